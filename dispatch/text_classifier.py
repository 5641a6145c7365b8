"""A text classifier that suggests a label (ticket type, category or unit) for a citizen request.

Features are two hashed TF-IDF blocks on the normalised text: jieba words and character 1–3-grams. The model
is a linear SVM trained by averaged SGD, and its decision scores become confidences through a softmax
with a "none of these" entry, whose temperature is fitted on a held-out share of the training data.

Why these choices (measured in benchmarks/classifier.py and the report handed to the lead engineer):
averaged SGD matches LinearSVC's macro-F1 at a fraction of liblinear's time once there are 100k tickets
and ~50 categories, and it trains the one-vs-rest problems on both cores; hashing lets feature extraction
run in worker processes with nothing to merge afterwards, and keeps the saved model free of vocabulary
dictionaries and of scikit-learn objects — it holds only numpy arrays.

A saved model is a joblib (pickle) file: load only files this system wrote.
"""

from __future__ import annotations

import logging
import math
import os
import re
import tempfile
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from functools import partial
from importlib.metadata import version
from pathlib import Path
from typing import Any, Self

import joblib
import numpy as np
import scipy.sparse as sp
import sklearn
from scipy.optimize import minimize_scalar
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split

FORMAT_VERSION = 1
MODEL_KIND = "hotline12345.dispatch.text_classifier"
HASH_BUCKETS = 2**22  # ~4M: collisions among the few 100k kept features stay rare

# What call agents write in every ticket whatever it is about. "咨询/投诉/举报/建议" that follow
# 来电人 are kept: they carry the ticket type.
BOILERPLATE_PHRASES: tuple[str, ...] = (
    "来电人",
    "来电者",
    "来电市民",
    "市民来电",
    "该市民",
    "热线来电",
    "要求相关部门尽快处理",
    "要求有关部门尽快处理",
    "请相关部门尽快处理",
    "请有关部门尽快处理",
    "希望相关部门尽快处理",
    "望相关部门尽快处理",
    "请尽快处理",
    "请予以处理",
    "相关部门",
    "有关部门",
)
_BOILERPLATE_RE = re.compile("|".join(sorted(map(re.escape, BOILERPLATE_PHRASES), key=len, reverse=True)))
_SPACES_RE = re.compile(r"\s+")

log = logging.getLogger(__name__)


class ModelFileError(Exception):
    """A model file that cannot be used: unreadable, not a classifier, or of another format version."""


@dataclass(frozen=True)
class Suggestion:
    """One suggested label; ``confidence`` is a calibrated probability in [0, 1]."""

    label: str
    confidence: float


@dataclass(frozen=True)
class ClassifierConfig:
    """Knobs; the defaults are the measured choice."""

    word_features: bool = True  # jieba words as a second block next to the character n-grams
    char_ngram_min: int = 1
    char_ngram_max: int = 3
    min_df: int = 2  # a feature seen in one ticket only is a name, an address or a typo
    max_word_features: int = 100_000
    max_char_features: int = 300_000
    c: float = 1.0  # SVM C; SGD's alpha is 1 / (C · n) so regularisation follows the data size
    # Passes over the data; None: about 300k updates, 3 to 10 passes. Averaged SGD needs few passes on a
    # large set (3 vs 10 passes: -0.1 point on 8k texts), and passes are what cost time at 100k tickets.
    epochs: int | None = None
    strip_boilerplate: bool = True
    calibration_share: float = 0.1
    min_calibration_samples: int = 30
    # Below this many texts the final model is refit on everything after calibration (cheap);
    # above it, the model trained on the other 90 % is kept, which halves the training time.
    refit_below: int = 50_000
    n_jobs: int = 2
    parallel_min_texts: int = 20_000  # starting worker processes (~2 s of imports) pays off above this
    seed: int = 0


@dataclass(frozen=True)
class TrainingMetadata:
    n_samples: int
    n_fitted: int  # texts the weights were fitted on: all, or 90 % when the set is large
    labels: tuple[str, ...]
    label_counts: dict[str, int]
    trained_at: str  # ISO 8601, UTC
    sklearn_version: str
    format_version: int
    train_seconds: float
    calibration: Calibration
    n_features: int
    segmenter: str  # e.g. "rjieba 0.2.2": both implementations give the same words


# ---------------------------------------------------------------------------------------------------
# Text → tokens


_segmenter_lock = threading.Lock()
_segmenter: Callable[[str], list[str]] | None = None
_segmenter_name = ""


def _cut() -> Callable[[str], list[str]]:
    """jieba's segmentation (dictionary, no HMM), loaded once per process and quietly.

    rjieba, the Rust port of jieba with the same dictionary, is used when installed: it gives the same
    words (checked in the tests) twenty times faster, which is most of the training time on 100k tickets.
    """
    global _segmenter, _segmenter_name
    if _segmenter is None:
        with _segmenter_lock:
            if _segmenter is None:
                # Imported here, not at the top: slow to load, and most processes never classify.
                try:
                    import rjieba

                    _segmenter_name = f"rjieba {version('rjieba')}"
                    _segmenter = partial(rjieba.cut, hmm=False)
                except ImportError:
                    import jieba

                    jieba.setLogLevel(logging.WARNING)
                    jieba.initialize()
                    _segmenter_name = f"jieba {version('jieba')}"
                    _segmenter = partial(jieba.lcut, HMM=False)
    return _segmenter


def segmenter_name() -> str:
    """Which implementation of jieba segments words in this process, with its version."""
    _cut()
    return _segmenter_name


def normalize(text: str, strip_boilerplate: bool = True) -> str:
    """Full-width → half-width (NFKC), lower case, agents' boilerplate removed."""
    text = unicodedata.normalize("NFKC", text).lower()
    if strip_boilerplate:
        text = _BOILERPLATE_RE.sub(" ", text)
    return text


def word_tokens(text: str) -> list[str]:
    """jieba words of normalised text. Single characters and punctuation stay: dropping them measured
    half a point worse. No HMM: it only adds guesses at unknown words, mostly names and addresses."""
    return [w for w in _cut()(text) if not w.isspace()]


def char_ngrams(text: str, low: int, high: int) -> list[str]:
    """Character n-grams of normalised text. They run across punctuation and spaces on purpose: an
    n-gram such as "，要求" marks a clause start, and cutting at clause breaks measured 1 point worse."""
    text = _SPACES_RE.sub(" ", text).strip()
    length = len(text)
    grams: list[str] = []
    for n in range(low, min(high, length) + 1):
        grams.extend(text[i : i + n] for i in range(length - n + 1))
    return grams


def _vectorizers(config: ClassifierConfig) -> list[HashingVectorizer]:
    char = partial(char_ngrams, low=config.char_ngram_min, high=config.char_ngram_max)
    analyzers = [char, word_tokens] if config.word_features else [char]
    return [
        HashingVectorizer(
            analyzer=analyzer,
            n_features=HASH_BUCKETS,
            alternate_sign=False,
            norm=None,
            dtype=np.float32,
        )
        for analyzer in analyzers
    ]


def _count_chunk(texts: Sequence[str], config: ClassifierConfig) -> list[sp.csr_matrix]:
    """Raw hashed term counts, one matrix per feature block (runs in worker processes too)."""
    normalised = [normalize(t, config.strip_boilerplate) for t in texts]
    return [v.transform(normalised).tocsr() for v in _vectorizers(config)]


def _count(texts: Sequence[str], config: ClassifierConfig) -> list[sp.csr_matrix]:
    if len(texts) < config.parallel_min_texts or config.n_jobs <= 1:
        return _count_chunk(texts, config)
    step = math.ceil(len(texts) / config.n_jobs)
    chunks = [texts[i : i + step] for i in range(0, len(texts), step)]
    parts = joblib.Parallel(n_jobs=config.n_jobs)(joblib.delayed(_count_chunk)(c, config) for c in chunks)
    return [sp.vstack([p[b] for p in parts], format="csr") for b in range(len(parts[0]))]


# ---------------------------------------------------------------------------------------------------
# Counts → TF-IDF (the fitted part of a block: which hashed columns are kept, and their idf)


@dataclass
class _Block:
    keep: np.ndarray  # sorted hashed column numbers kept, int64
    idf: np.ndarray  # float32, one per kept column

    @classmethod
    def fit(cls, counts: sp.csr_matrix, min_df: int, max_features: int) -> _Block:
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        candidates = np.flatnonzero(df >= min_df)
        if len(candidates) > max_features:
            # The most frequent ones; the stable sort makes ties deterministic.
            order = np.argsort(-df[candidates], kind="stable")[:max_features]
            candidates = np.sort(candidates[order])
        n = counts.shape[0]
        idf = np.log((1 + n) / (1 + df[candidates])) + 1
        return cls(keep=candidates.astype(np.int64), idf=idf.astype(np.float32))

    def transform(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        if len(self.keep) == 0:
            return sp.csr_matrix((counts.shape[0], 0), dtype=np.float32)
        n_rows = counts.shape[0]
        position = np.searchsorted(self.keep, counts.indices)
        position[position == len(self.keep)] = 0
        kept = self.keep[position] == counts.indices
        rows = np.repeat(np.arange(n_rows), np.diff(counts.indptr))[kept]
        columns = position[kept]
        values = (1 + np.log(counts.data[kept])) * self.idf[columns]  # sublinear tf × idf
        # Built directly as CSR (rows are already in order): the scipy constructors cost more than the
        # arithmetic when one ticket is classified.
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
        norms = np.sqrt(np.bincount(rows, weights=values**2, minlength=n_rows))
        values = (values / norms[rows]).astype(np.float32)  # a row with values has a norm > 0
        return sp.csr_matrix((values, columns, indptr), shape=(n_rows, len(self.keep)))


# ---------------------------------------------------------------------------------------------------
# Confidence


@dataclass(frozen=True)
class Calibration:
    """How decision scores become confidences: softmax(scores / temperature) over the labels plus a
    "none of them" entry scoring ``none_score``."""

    # Used when there are too few texts to fit one (under 300): fitted values on real text are 0.35–0.45.
    temperature: float = 0.4
    none_score: float = 0.0
    n_samples: int = 0  # held-out texts it was fitted on (0: the defaults)

    def confidences(self, scores: np.ndarray) -> np.ndarray:
        """A row sums to less than 1: the rest is the chance that no label fits. Without that entry a
        text no label claims (an off-topic call) still gets ~0.99 for the least unlikely label, because
        a softmax only sees differences between scores."""
        z = np.hstack([scores, np.full((len(scores), 1), self.none_score)]) / self.temperature
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return (e / e.sum(axis=1, keepdims=True))[:, :-1]

    @classmethod
    def fit(cls, scores: np.ndarray, truth: np.ndarray) -> Calibration:
        """``none_score``: the level 95 % of the held-out texts' true labels score above, and at most 0
        (where a one-vs-rest SVM stops claiming a text). It cannot be fitted by likelihood — held-out
        texts all have a label, so "none" would always lose — so it is set where it seldom hurts a real
        ticket. The temperature then minimises the negative log-likelihood of the true labels."""
        true_scores = scores[np.arange(len(truth)), truth]
        none_score = min(0.0, float(np.quantile(true_scores, 0.05)))

        def nll(log_t: float) -> float:
            p = cls(math.exp(log_t), none_score).confidences(scores)[np.arange(len(truth)), truth]
            return float(-np.log(np.clip(p, 1e-12, None)).mean())

        best = minimize_scalar(nll, bounds=(-6.0, 3.0), method="bounded").x
        return cls(math.exp(best), none_score, len(truth))


# ---------------------------------------------------------------------------------------------------
# The classifier


@dataclass
class _Model:
    blocks: list[_Block]
    weights: np.ndarray  # (n_features, n_classes) float32, C order: the sparse product reads it as is
    intercept: np.ndarray  # (n_classes,) float32
    n_fitted: int


class TextClassifier:
    """Train with ``fit``; ``suggest`` returns the likeliest labels with calibrated confidences."""

    def __init__(self, config: ClassifierConfig | None = None) -> None:
        self.config = config or ClassifierConfig()
        self._classes: tuple[str, ...] = ()
        self._model: _Model | None = None
        self._calibration = Calibration()
        self._metadata: TrainingMetadata | None = None

    # -- training

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> Self:
        texts, labels = list(texts), [str(label) for label in labels]
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        counts_by_label = Counter(labels)
        if len(counts_by_label) < 2:
            raise ValueError("training needs at least two distinct labels")
        started = time.perf_counter()
        classes = tuple(sorted(counts_by_label))
        y = np.searchsorted(np.array(classes), np.array(labels))
        counts = _count(texts, self.config)
        log.debug("features of %d texts counted in %.1f s", len(texts), time.perf_counter() - started)

        calibration, final = Calibration(), None
        held, kept = self._calibration_split(y)
        if held is not None:
            model = self._train(counts, y, kept, len(classes))
            scores = self._scores(model, [c[held] for c in counts])
            calibration = Calibration.fit(scores, y[held])
            log.debug("calibrated (%s) at %.1f s", calibration, time.perf_counter() - started)
            if len(texts) >= self.config.refit_below:
                final = model
        if final is None:
            final = self._train(counts, y, np.arange(len(y)), len(classes))

        self._classes, self._model, self._calibration = classes, final, calibration
        self._metadata = TrainingMetadata(
            n_samples=len(texts),
            n_fitted=final.n_fitted,
            labels=classes,
            label_counts=dict(sorted(counts_by_label.items())),
            trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
            sklearn_version=sklearn.__version__,
            format_version=FORMAT_VERSION,
            train_seconds=round(time.perf_counter() - started, 3),
            calibration=calibration,
            n_features=final.weights.shape[0],
            segmenter=segmenter_name() if self.config.word_features else "",
        )
        return self

    def _calibration_split(self, y: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
        """Held-out indices for the temperature (None when too few), and the rest."""
        everything = np.arange(len(y))
        share = self.config.calibration_share
        if share <= 0 or len(y) * share < self.config.min_calibration_samples:
            return None, everything
        # Labels seen once cannot be stratified; they stay in training.
        frequent = np.flatnonzero(np.bincount(y)[y] >= 2)
        n_held = round(len(y) * share)
        if n_held < len(np.unique(y[frequent])) or len(frequent) - n_held < 2:
            return None, everything
        _, held = train_test_split(
            frequent, test_size=n_held, stratify=y[frequent], random_state=self.config.seed
        )
        return np.sort(held), np.setdiff1d(everything, held)

    def _train(self, counts: list[sp.csr_matrix], y: np.ndarray, rows: np.ndarray, n_classes: int) -> _Model:
        cfg = self.config
        blocks, parts = [], []
        limits = [cfg.max_char_features, cfg.max_word_features]
        for block_counts, limit in zip(counts, limits, strict=False):
            training_counts = block_counts[rows]
            block = _Block.fit(training_counts, cfg.min_df, limit)
            blocks.append(block)
            parts.append(block.transform(training_counts))
        features = sp.hstack(parts, format="csr")
        sgd = SGDClassifier(
            loss="hinge",
            alpha=1.0 / (cfg.c * len(rows)),
            average=True,  # averaged SGD reaches the SVM optimum in a few epochs
            max_iter=cfg.epochs or min(10, max(3, math.ceil(300_000 / len(rows)))),
            tol=None,
            class_weight="balanced",
            random_state=cfg.seed,
            n_jobs=cfg.n_jobs,
        )
        fit_started = time.perf_counter()
        sgd.fit(features, y[rows])
        log.debug(
            "SGD: %d texts, %d features, %d epochs, %.1f s",
            *features.shape,
            sgd.n_iter_,
            time.perf_counter() - fit_started,
        )
        coef, intercept = sgd.coef_, sgd.intercept_
        if n_classes == 2:  # scikit-learn keeps one row for two classes: the positive one
            coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
        elif len(sgd.classes_) != n_classes:  # a label seen only in the held-out share
            full_coef = np.full((n_classes, coef.shape[1]), 0.0)
            full_intercept = np.full(n_classes, -1.0)  # "not this one" for the unseen label
            full_coef[sgd.classes_], full_intercept[sgd.classes_] = coef, intercept
            coef, intercept = full_coef, full_intercept
        weights = np.ascontiguousarray(coef.T, dtype=np.float32)
        return _Model(blocks, weights, intercept.astype(np.float32), len(rows))

    @staticmethod
    def _scores(model: _Model, counts: list[sp.csr_matrix]) -> np.ndarray:
        features = sp.hstack(
            [b.transform(c) for b, c in zip(model.blocks, counts, strict=True)], format="csr"
        )
        return np.asarray(features @ model.weights) + model.intercept

    # -- prediction

    @property
    def is_fitted(self) -> bool:
        return self._model is not None

    @property
    def classes(self) -> tuple[str, ...]:
        return self._classes

    @property
    def metadata(self) -> TrainingMetadata:
        if self._metadata is None:
            raise RuntimeError("the classifier has not been trained")
        return self._metadata

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Confidences, one row per text, columns in ``classes`` order; a row sums to at most 1."""
        if self._model is None:
            raise RuntimeError("the classifier has not been trained")
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self._classes)))
        scores = self._scores(self._model, _count(texts, self.config))
        return self._calibration.confidences(scores.astype(np.float64))

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [self._classes[i] for i in self.predict_proba(texts).argmax(axis=1)]

    def suggest_many(self, texts: Sequence[str], top: int = 3) -> list[list[Suggestion]]:
        result = []
        for row in self.predict_proba(texts):
            best = np.argsort(-row, kind="stable")[:top]
            result.append([Suggestion(self._classes[i], round(float(row[i]), 4)) for i in best])
        return result

    def suggest(self, text: str, top: int = 3) -> list[Suggestion]:
        """The ``top`` likeliest labels, best first."""
        return self.suggest_many([text], top)[0]

    # -- persistence

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Writes atomically (temporary file in the same directory, then rename)."""
        if self._model is None or self._metadata is None:
            raise RuntimeError("the classifier has not been trained")
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "kind": MODEL_KIND,
            "format_version": FORMAT_VERSION,
            "metadata": asdict(self._metadata),
            "config": asdict(self.config),
            "classes": list(self._classes),
            "blocks": [{"keep": b.keep, "idf": b.idf} for b in self._model.blocks],
            "weights": self._model.weights,
            "intercept": self._model.intercept,
        }
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as tmp:
                joblib.dump(payload, tmp, compress=3)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TextClassifier:
        source = Path(path)
        try:
            payload = joblib.load(source)
        except FileNotFoundError:
            raise
        except Exception as exc:  # joblib/pickle raise many kinds for a damaged file
            raise ModelFileError(f"{source} is not a readable classifier file ({exc!r})") from exc
        if not isinstance(payload, dict) or payload.get("kind") != MODEL_KIND:
            raise ModelFileError(f"{source} is not a text classifier model written by this system")
        version = payload.get("format_version")
        if version != FORMAT_VERSION:
            raise ModelFileError(
                f"{source} has model format version {version}; this code reads version "
                f"{FORMAT_VERSION}: retrain it (hotline dispatch train)"
            )
        try:
            return cls._from_payload(payload)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(f"{source} is incomplete or damaged ({exc!r})") from exc

    @classmethod
    def _from_payload(cls, payload: dict[str, Any]) -> TextClassifier:
        known = set(ClassifierConfig.__dataclass_fields__)
        config = replace(ClassifierConfig(), **{k: v for k, v in payload["config"].items() if k in known})
        meta = dict(payload["metadata"])
        meta["labels"] = tuple(meta["labels"])
        meta["calibration"] = Calibration(**meta["calibration"])
        blocks = [_Block(keep=np.asarray(b["keep"]), idf=np.asarray(b["idf"])) for b in payload["blocks"]]
        weights = np.ascontiguousarray(payload["weights"], dtype=np.float32)
        intercept = np.asarray(payload["intercept"], dtype=np.float32)
        model = _Model(blocks, weights, intercept, meta["n_fitted"])
        classes = tuple(payload["classes"])
        if model.weights.shape != (sum(len(b.keep) for b in blocks), len(classes)):
            raise ValueError(f"weights of shape {model.weights.shape} do not match the features")
        classifier = cls(config)
        classifier._classes, classifier._model = classes, model
        classifier._calibration = meta["calibration"]
        classifier._metadata = TrainingMetadata(**meta)
        return classifier
