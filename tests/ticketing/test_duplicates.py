"""Duplicate flagging measured on a labelled set of ticket pairs (tests/data/duplicate_pairs.csv)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ticketing.duplicates import duplicate_score, text_similarity

PAIRS = Path(__file__).resolve().parent.parent / "data" / "duplicate_pairs.csv"
# Measured 0.85 / 0.71 when the thresholds were set; flags are hints for the agent, never auto-merges.
MIN_PRECISION = 0.8
MIN_RECALL = 0.65


def labelled_pairs() -> list[dict[str, str]]:
    with PAIRS.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def confusion() -> tuple[int, int, int, int]:
    tp = fp = fn = tn = 0
    for row in labelled_pairs():
        flagged = (
            duplicate_score(
                row["text_a"],
                row["text_b"],
                same_caller=row["same_caller"] == "1",
                same_area=row["same_area"] == "1",
            )
            is not None
        )
        actual = row["is_duplicate"] == "1"
        tp += flagged and actual
        fp += flagged and not actual
        fn += actual and not flagged
        tn += not flagged and not actual
    return tp, fp, fn, tn


def test_flagging_is_precise_on_the_labelled_set():
    tp, fp, fn, tn = confusion()
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"duplicate flagging on {tp + fp + fn + tn} pairs: precision {precision:.2f}, recall {recall:.2f}")
    assert len(labelled_pairs()) >= 80
    assert precision >= MIN_PRECISION
    assert recall >= MIN_RECALL


def test_similarity_ignores_boilerplate_and_width():
    assert text_similarity("来电人反映路灯不亮，要求尽快处理。", "路灯不亮") == pytest.approx(1.0)
    assert text_similarity("ＡＢＣ小区停水", "abc小区停水") == pytest.approx(1.0)
    assert text_similarity("", "路灯不亮") == 0.0


def test_paraphrase_of_the_same_problem_matches_but_another_house_number_does_not():
    a = "来电人反映凤鸣苑小区门口人行道上有个井盖缺失，井口没有任何警示，晚上很危险。"
    b = "市民称凤鸣苑大门外人行道有一个窨井盖不见了，小孩放学经过那里很危险。"
    assert duplicate_score(a, b, same_caller=False, same_area=True) is not None
    assert duplicate_score(a, b, same_caller=False, same_area=False) is None  # not a candidate at all
    assert (
        duplicate_score(
            "滨江路88号绿化带有人搭建铁皮房",
            "滨江路188号绿化带有人搭建铁皮房",
            same_caller=False,
            same_area=True,
        )
        is None
    )
