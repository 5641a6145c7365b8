"""The ticket text classifier and its CSV evaluation, on texts generated from the demo ticket templates.

Templated texts are easy (real-data figures come from benchmarks/classifier.py); what these tests pin
down is behaviour: ranking, confidences that mean something, off-topic texts, persistence, CSV input.
"""

from __future__ import annotations

import csv
import random
import statistics
from pathlib import Path

import joblib
import numpy as np
import pytest

from dispatch import text_classifier
from dispatch.classifier_eval import CsvDataError, evaluate_csv, format_report, train_csv
from dispatch.text_classifier import (
    FORMAT_VERSION,
    ClassifierConfig,
    ModelFileError,
    Suggestion,
    TextClassifier,
    normalize,
    word_tokens,
)
from ticketing.demo.categories import LEAF_DEPARTMENT
from ticketing.demo.city import RESIDENTIAL_COMPOUNDS, ROAD_NAMES
from ticketing.demo.ticket_texts import TEMPLATES, TicketTemplate

TIMES = ("凌晨一点", "晚上十点", "早上六点", "中午十二点", "晚上八点")
OFF_TOPIC = (
    "今天天气不错，我想问一下明天的足球比赛几点开始",
    "我想点一份外卖，麻辣烫多加辣",
    "昨天看了一部电影，剧情很感人，推荐大家去看",
    "股市今天大涨，沪指收复三千点",
    "hello world",
    "",
)


def generate(
    n: int, seed: int, templates: tuple[TicketTemplate, ...] = TEMPLATES
) -> list[tuple[str, TicketTemplate]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        template = rng.choice(templates)
        district = rng.choice(sorted(ROAD_NAMES))
        text = template.content.format(
            address=f"{district}{rng.choice(ROAD_NAMES[district])}{rng.randint(1, 399)}号",
            place=rng.choice(RESIDENTIAL_COMPOUNDS),
            days=rng.randint(2, 20),
            time=rng.choice(TIMES),
        )
        rows.append((text, template))
    return rows


@pytest.fixture(scope="module")
def category_model() -> TextClassifier:
    rows = generate(5000, seed=1)
    return TextClassifier().fit([t for t, _ in rows], [tpl.category_code for _, tpl in rows])


@pytest.fixture(scope="module")
def held_out() -> list[tuple[str, TicketTemplate]]:
    return generate(400, seed=2)


# ---------------------------------------------------------------------------------------------------
# Suggestions


def test_trains_on_5k_texts_in_a_few_seconds(category_model: TextClassifier) -> None:
    meta = category_model.metadata
    assert meta.n_samples == 5000
    assert len(meta.labels) == len({t.category_code for t in TEMPLATES}) == 46
    # A few seconds on an idle 2-core box; the bound leaves room for a loaded CI machine.
    assert meta.train_seconds < 20
    assert meta.calibration.n_samples == 500
    assert meta.n_fitted == 5000  # refit on everything after calibration: the set is small


def test_ranks_the_right_category_first_with_high_confidence(
    category_model: TextClassifier, held_out: list[tuple[str, TicketTemplate]]
) -> None:
    suggestions = category_model.suggest_many([t for t, _ in held_out])
    right = [s[0].label == tpl.category_code for s, (_, tpl) in zip(suggestions, held_out, strict=True)]
    assert sum(right) / len(right) >= 0.98
    assert statistics.median(s[0].confidence for s in suggestions) >= 0.9


def test_suggest_returns_distinct_labels_best_first(category_model: TextClassifier) -> None:
    text = "来电人反映柳湾社区3号楼下水道堵塞已经三天，污水外溢，要求尽快疏通。"
    suggestions = category_model.suggest(text, top=3)
    assert len(suggestions) == 3
    assert all(isinstance(s, Suggestion) and 0.0 <= s.confidence <= 1.0 for s in suggestions)
    assert [s.confidence for s in suggestions] == sorted((s.confidence for s in suggestions), reverse=True)
    assert len({s.label for s in suggestions}) == 3
    assert sum(s.confidence for s in suggestions) <= 1.0 + 1e-6
    assert suggestions[0].label == "110302"  # 道路井盖与排水
    assert category_model.predict([text]) == ["110302"]
    assert len(category_model.suggest(text, top=100)) == 46


def test_off_topic_texts_get_low_confidence(category_model: TextClassifier) -> None:
    for text in OFF_TOPIC:
        best = category_model.suggest(text, top=1)[0]
        assert best.confidence < 0.2, (text, best)


def test_unit_and_type_are_learned_the_same_way() -> None:
    rows = generate(1500, seed=3)
    texts = [t for t, _ in rows]
    units = TextClassifier().fit(texts, [LEAF_DEPARTMENT[tpl.category_code] for _, tpl in rows])
    types = TextClassifier().fit(texts, [tpl.ticket_type for _, tpl in rows])
    test = generate(200, seed=4)
    unit_right = np.mean(
        [
            p == LEAF_DEPARTMENT[tpl.category_code]
            for p, (_, tpl) in zip(units.predict([t for t, _ in test]), test, strict=True)
        ]
    )
    type_right = np.mean(
        [p == tpl.ticket_type for p, (_, tpl) in zip(types.predict([t for t, _ in test]), test, strict=True)]
    )
    assert unit_right >= 0.97
    assert type_right >= 0.95
    assert set(types.classes) <= {"consultation", "help", "complaint", "report", "suggestion", "praise"}


def test_two_labels_and_a_label_seen_once() -> None:
    rows = generate(300, seed=5)
    labels = ["water" if tpl.category_code.startswith("10") else "other" for _, tpl in rows]
    labels[0] = "unique"  # seen once: trained on, never held out for calibration
    model = TextClassifier().fit([t for t, _ in rows], labels)
    assert model.classes == ("other", "unique", "water")
    assert model.predict([rows[1][0]]) == [labels[1]]


def test_large_sets_keep_the_calibration_model_and_count_in_parallel() -> None:
    rows = generate(600, seed=10)
    texts, labels = [t for t, _ in rows], [tpl.category_code[:2] for _, tpl in rows]
    serial = TextClassifier(ClassifierConfig(refit_below=500)).fit(texts, labels)
    assert serial.metadata.n_fitted == 540  # the 10 % calibration share is not refit at this size
    parallel = TextClassifier(ClassifierConfig(refit_below=500, parallel_min_texts=100, n_jobs=2))
    parallel.fit(texts, labels)
    np.testing.assert_allclose(
        parallel.predict_proba(texts[:300]), serial.predict_proba(texts[:300]), atol=1e-5
    )


def test_refuses_bad_training_input() -> None:
    with pytest.raises(ValueError, match="two distinct labels"):
        TextClassifier().fit(["一", "二"], ["a", "a"])
    with pytest.raises(ValueError, match="2 texts but 1 labels"):
        TextClassifier().fit(["一", "二"], ["a"])
    with pytest.raises(RuntimeError, match="not been trained"):
        TextClassifier().suggest("停水了")


# ---------------------------------------------------------------------------------------------------
# Text handling


def test_normalize_strips_boilerplate_but_keeps_the_request_verb() -> None:
    text = normalize("来电人咨询：ＡＢＣ小区停水，要求相关部门尽快处理。")
    assert "来电人" not in text and "相关部门" not in text
    assert "咨询" in text and "abc小区停水" in text


def test_both_jieba_implementations_give_the_same_words() -> None:
    pytest.importorskip("rjieba")
    jieba = pytest.importorskip("jieba")
    text_classifier._cut()  # rjieba is in use when installed
    for text, _ in generate(300, seed=6):
        normalised = normalize(text)
        expected = [w for w in jieba.lcut(normalised, HMM=False) if not w.isspace()]
        assert word_tokens(normalised) == expected


# ---------------------------------------------------------------------------------------------------
# Persistence


def test_save_and_load_round_trip(category_model: TextClassifier, tmp_path: Path) -> None:
    path = category_model.save(tmp_path / "models" / "category.joblib")
    loaded = TextClassifier.load(path)
    texts = [t for t, _ in generate(50, seed=7)]
    np.testing.assert_allclose(loaded.predict_proba(texts), category_model.predict_proba(texts), atol=1e-6)
    assert loaded.metadata == category_model.metadata
    assert loaded.metadata.format_version == FORMAT_VERSION
    assert loaded.metadata.sklearn_version
    assert loaded.metadata.trained_at.endswith("+00:00")
    assert [p.name for p in path.parent.iterdir()] == ["category.joblib"]  # no temporary file left


def test_failed_save_leaves_the_old_file(
    category_model: TextClassifier, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = category_model.save(tmp_path / "model.joblib")
    before = path.read_bytes()

    def broken_dump(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(text_classifier.joblib, "dump", broken_dump)
    with pytest.raises(OSError, match="disk full"):
        category_model.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.joblib"]


def test_refuses_corrupted_and_incompatible_files(category_model: TextClassifier, tmp_path: Path) -> None:
    good = category_model.save(tmp_path / "good.joblib")

    garbage = tmp_path / "garbage.joblib"
    garbage.write_bytes(b"this is not a model")
    truncated = tmp_path / "truncated.joblib"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    for path in (garbage, truncated):
        with pytest.raises(ModelFileError, match="not a readable classifier file"):
            TextClassifier.load(path)

    foreign = tmp_path / "foreign.joblib"
    joblib.dump({"some": "thing"}, foreign)
    with pytest.raises(ModelFileError, match="not a text classifier model"):
        TextClassifier.load(foreign)

    payload = joblib.load(good)
    payload["format_version"] = FORMAT_VERSION + 1
    newer = tmp_path / "newer.joblib"
    joblib.dump(payload, newer)
    with pytest.raises(ModelFileError, match=f"format version {FORMAT_VERSION + 1}.*retrain"):
        TextClassifier.load(newer)

    payload = joblib.load(good)
    payload["weights"] = payload["weights"][:10]
    damaged = tmp_path / "damaged.joblib"
    joblib.dump(payload, damaged)
    with pytest.raises(ModelFileError, match="incomplete or damaged"):
        TextClassifier.load(damaged)

    with pytest.raises(FileNotFoundError):
        TextClassifier.load(tmp_path / "missing.joblib")


# ---------------------------------------------------------------------------------------------------
# CSV evaluation


def write_csv(path: Path, encoding: str, delimiter: str = ",") -> None:
    categories = sorted({t.category_code for t in TEMPLATES})[:10]
    templates = tuple(t for t in TEMPLATES if t.category_code in categories)
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow(["编号", "诉求内容", "类别"])
        for i, (text, tpl) in enumerate(generate(400, seed=8, templates=templates)):
            writer.writerow([i, text, tpl.category_code])
        writer.writerow([900, "", "010101"])  # empty text
        writer.writerow([901, "来电人反映路灯不亮", ""])  # empty label
        writer.writerow([902, "来电人反映小区门口有人占道经营"])  # row cut short
        writer.writerow([903, "来电人咨询一个罕见的问题", "999999"])  # a label seen once


def test_evaluate_csv_utf8_with_bom_and_gbk(tmp_path: Path) -> None:
    bom, gbk = tmp_path / "bom.csv", tmp_path / "gbk.csv"
    write_csv(bom, "utf-8-sig")
    write_csv(gbk, "gbk")
    assert bom.read_bytes().startswith(b"\xef\xbb\xbf")

    report = evaluate_csv(bom, "诉求内容", "类别")
    assert report.encoding == "utf-8" and report.rows_skipped == 3
    assert report.n_train + report.n_test == 401
    assert report.n_test == 80
    assert report.train_only_labels == ("999999",)
    assert report.accuracy >= 0.95 and report.macro_f1 >= 0.95
    assert set(report.per_label_f1) == set(report.labels) - {"999999"}
    assert report.train_seconds > 0

    again = evaluate_csv(gbk, "诉求内容", "类别")
    assert again.encoding == "gb18030"
    assert (again.accuracy, again.macro_f1, again.per_label) == (
        report.accuracy,
        report.macro_f1,
        report.per_label,
    )

    printed = format_report(report)
    assert f"accuracy {report.accuracy:.4f}" in printed.splitlines()
    assert f"macro-F1 {report.macro_f1:.4f}" in printed.splitlines()
    assert "999999" in printed and "3 rows skipped" in printed


def test_tab_separated_and_case_insensitive_columns(tmp_path: Path) -> None:
    path = tmp_path / "export.tsv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter="\t")
        writer.writerow(["Text", "Label"])
        for text, tpl in generate(200, seed=9):
            writer.writerow([text, tpl.ticket_type])
    model = train_csv(path, "text", "LABEL")
    assert model.metadata.n_samples == 200
    assert set(model.classes) <= {"consultation", "help", "complaint", "report", "suggestion", "praise"}


def test_missing_column_names_it_and_lists_the_present_ones(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    write_csv(path, "utf-8-sig")
    with pytest.raises(CsvDataError, match=r"no column '内容'.*'编号', '诉求内容', '类别'"):
        evaluate_csv(path, "内容", "类别")
    with pytest.raises(CsvDataError, match="no column 'category'"):
        train_csv(path, "诉求内容", "category")


def test_unreadable_or_too_small_csv(tmp_path: Path) -> None:
    binary = tmp_path / "binary.csv"
    binary.write_bytes(bytes(range(128, 256)) * 4)
    with pytest.raises(CsvDataError, match="not UTF-8"):
        evaluate_csv(binary, "a", "b")
    tiny = tmp_path / "tiny.csv"
    tiny.write_text("text,label\n停水,a\n停电,b\n", encoding="utf-8")
    with pytest.raises(CsvDataError, match="too few examples"):
        evaluate_csv(tiny, "text", "label")
