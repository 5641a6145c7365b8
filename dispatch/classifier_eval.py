"""Train or evaluate the text classifier on any CSV with a text column and a label column.

`hotline dispatch evaluate` trains on a stratified 80 % split (fixed seed) and scores the other 20 %;
`hotline dispatch train` trains on everything. Chinese government exports come as UTF-8 (often with a
BOM, from Excel), GB18030/GBK, or Excel's UTF-16 "Unicode text": all are read.
"""

from __future__ import annotations

import csv
import io
import math
import os
import time
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, precision_recall_fscore_support
from sklearn.model_selection import train_test_split

from dispatch.text_classifier import ClassifierConfig, TextClassifier

TEST_SHARE = 0.2


class CsvDataError(ValueError):
    """The CSV cannot be used: unknown encoding, missing column, too few usable rows."""


@dataclass(frozen=True)
class LabeledTexts:
    texts: list[str]
    labels: list[str]
    rows_read: int
    rows_skipped: int  # empty text or label, or a row too short to have both columns
    encoding: str


@dataclass(frozen=True)
class LabelScore:
    label: str
    precision: float
    recall: float
    f1: float
    support: int  # examples of the label in the test split


@dataclass(frozen=True)
class EvaluationReport:
    accuracy: float
    macro_f1: float  # over the labels present in the test split
    n_train: int
    n_test: int
    labels: tuple[str, ...]
    per_label: tuple[LabelScore, ...]
    train_seconds: float
    train_only_labels: tuple[str, ...]  # fewer than 2 examples: kept in training, not scored
    seed: int
    rows_skipped: int = 0
    encoding: str = ""

    @property
    def per_label_f1(self) -> dict[str, float]:
        return {score.label: score.f1 for score in self.per_label}


# ---------------------------------------------------------------------------------------------------
# Reading


def _decode(raw: bytes, source: Path) -> tuple[str, str]:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    for encoding in ("utf-8-sig", "gb18030"):  # GB18030 is a superset of GBK and GB2312
        try:
            return raw.decode(encoding), "utf-8" if encoding == "utf-8-sig" else encoding
        except UnicodeDecodeError:
            continue
    raise CsvDataError(f"{source}: not UTF-8, UTF-16 or GB18030/GBK text")


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        return csv.excel


def _column(header: list[str], wanted: str, source: Path) -> int:
    """Exact name first, then ignoring case and full-width forms (Ｔｅｘｔ, TEXT)."""
    cleaned = [unicodedata.normalize("NFKC", h).strip() for h in header]
    target = unicodedata.normalize("NFKC", wanted).strip()
    if wanted in header:
        return header.index(wanted)
    folded = [h.casefold() for h in cleaned]
    if target.casefold() in folded:
        return folded.index(target.casefold())
    present = ", ".join(repr(h) for h in cleaned) or "(none)"
    raise CsvDataError(f"{source}: no column {wanted!r}; the columns present are {present}")


def read_labeled_csv(path: str | os.PathLike[str], text_col: str, label_col: str) -> LabeledTexts:
    """Rows with an empty text or label are skipped and counted, not fatal: exports are ragged."""
    source = Path(path)
    content, encoding = _decode(source.read_bytes(), source)
    reader = csv.reader(io.StringIO(content, newline=""), _dialect(content[:8192]))
    try:
        header = next(reader)
    except StopIteration:
        raise CsvDataError(f"{source}: the file is empty") from None
    text_at, label_at = _column(header, text_col, source), _column(header, label_col, source)
    texts: list[str] = []
    labels: list[str] = []
    read = skipped = 0
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # blank line
            read += 1
            text = row[text_at].strip() if text_at < len(row) else ""
            label = row[label_at].strip() if label_at < len(row) else ""
            if not text or not label:
                skipped += 1
                continue
            texts.append(text)
            labels.append(label)
    except csv.Error as exc:
        raise CsvDataError(f"{source}, line {reader.line_num}: {exc}") from exc
    return LabeledTexts(texts, labels, read, skipped, encoding)


# ---------------------------------------------------------------------------------------------------
# Evaluating and training


def evaluate(
    texts: Sequence[str],
    labels: Sequence[str],
    seed: int = 42,
    config: ClassifierConfig | None = None,
) -> EvaluationReport:
    """Stratified 80/20 split with ``seed``; labels with fewer than 2 examples are trained on only."""
    texts, labels = list(texts), list(labels)
    counts = Counter(labels)
    rare = sorted(label for label, n in counts.items() if n < 2)
    splittable = np.array([i for i, label in enumerate(labels) if counts[label] >= 2], dtype=np.int64)
    n_classes = len(counts) - len(rare)
    n_test = max(math.ceil(len(splittable) * TEST_SHARE), n_classes)
    if n_classes < 2 or len(splittable) - n_test < n_classes:
        raise CsvDataError(
            f"too few examples to evaluate: {len(texts)} texts, {n_classes} labels with 2 or more"
        )
    strata = np.array(labels, dtype=object)[splittable]
    train_idx, test_idx = train_test_split(splittable, test_size=n_test, stratify=strata, random_state=seed)
    train_idx = np.concatenate([train_idx, [i for i, label in enumerate(labels) if counts[label] < 2]])
    train_idx = train_idx.astype(np.int64)

    started = time.perf_counter()
    classifier = TextClassifier(config).fit([texts[i] for i in train_idx], [labels[i] for i in train_idx])
    train_seconds = time.perf_counter() - started

    truth = [labels[i] for i in test_idx]
    predicted = classifier.predict([texts[i] for i in test_idx])
    scored = sorted(set(truth))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=scored, zero_division=0
    )
    per_label = tuple(
        LabelScore(label, float(p), float(r), float(f), int(s))
        for label, p, r, f, s in zip(scored, precision, recall, f1, support, strict=True)
    )
    return EvaluationReport(
        accuracy=float(accuracy_score(truth, predicted)),
        macro_f1=float(np.mean(f1)),
        n_train=len(train_idx),
        n_test=len(test_idx),
        labels=tuple(sorted(counts)),
        per_label=per_label,
        train_seconds=round(train_seconds, 3),
        train_only_labels=tuple(rare),
        seed=seed,
    )


def evaluate_csv(
    path: str | os.PathLike[str],
    text_col: str,
    label_col: str,
    seed: int = 42,
    config: ClassifierConfig | None = None,
) -> EvaluationReport:
    data = read_labeled_csv(path, text_col, label_col)
    report = evaluate(data.texts, data.labels, seed, config)
    return replace(report, rows_skipped=data.rows_skipped, encoding=data.encoding)


def train_csv(
    path: str | os.PathLike[str],
    text_col: str,
    label_col: str,
    config: ClassifierConfig | None = None,
) -> TextClassifier:
    """A classifier trained on every usable row (save it with ``.save(path)``)."""
    data = read_labeled_csv(path, text_col, label_col)
    if len(set(data.labels)) < 2:
        raise CsvDataError(f"{path}: training needs at least two distinct labels in {label_col!r}")
    return TextClassifier(config).fit(data.texts, data.labels)


# ---------------------------------------------------------------------------------------------------
# Printing


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def format_report(report: EvaluationReport) -> str:
    lines = [
        f"accuracy {report.accuracy:.4f}",
        f"macro-F1 {report.macro_f1:.4f}",
        f"train {report.n_train} / test {report.n_test} texts "
        f"(stratified {100 - round(TEST_SHARE * 100)}/{round(TEST_SHARE * 100)}, seed {report.seed}); "
        f"trained in {report.train_seconds:.1f} s",
    ]
    if report.encoding:
        lines.append(f"read as {report.encoding}; {report.rows_skipped} rows skipped (empty text or label)")
    if report.train_only_labels:
        lines.append(
            f"{len(report.train_only_labels)} labels with fewer than 2 examples were kept in training "
            f"only and not scored: {', '.join(report.train_only_labels)}"
        )
    name_width = max([_width("label"), *(_width(s.label) for s in report.per_label)])
    lines.append("")
    lines.append(f"{_pad('label', name_width)}  precision  recall      f1  support")
    for s in sorted(report.per_label, key=lambda s: (s.f1, s.label)):
        lines.append(
            f"{_pad(s.label, name_width)}  {s.precision:9.4f}  {s.recall:6.4f}  {s.f1:6.4f}  {s.support:7d}"
        )
    return "\n".join(lines)
