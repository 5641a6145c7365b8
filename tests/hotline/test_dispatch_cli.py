"""`hotline dispatch train` and `hotline dispatch evaluate` on CSV files, as an operator runs them."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dispatch.suggestions import model_path
from dispatch.text_classifier import TextClassifier
from tests.dispatch.test_classifier import generate

pytestmark = pytest.mark.slow


def hotline(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOTLINE_DATA_DIR": str(data_dir), "HOTLINE_REDIS_URL": "redis://127.0.0.1:1/0"}
    return subprocess.run(
        [sys.executable, "-m", "hotline.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def gbk_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("csv") / "工单导出.csv"
    with path.open("w", encoding="gbk", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["编号", "诉求内容", "诉求类别"])
        for number, (text, template) in enumerate(generate(1500, seed=5)):
            writer.writerow([number, text, template.category_code])
    return path


def test_evaluate_prints_accuracy_and_macro_f1(gbk_csv: Path, tmp_path: Path) -> None:
    run = hotline(
        tmp_path, "dispatch", "evaluate", "--csv", str(gbk_csv), "--text", "诉求内容", "--label", "诉求类别"
    )
    assert run.returncode == 0, run.stderr
    accuracy = float(re.search(r"^accuracy (\d\.\d+)$", run.stdout, re.M).group(1))
    macro_f1 = float(re.search(r"^macro-F1 (\d\.\d+)$", run.stdout, re.M).group(1))
    assert accuracy > 0.95 and macro_f1 > 0.95
    assert "train 1200 / test 300 texts" in run.stdout and "seed 42" in run.stdout
    again = hotline(
        tmp_path, "dispatch", "evaluate", "--csv", str(gbk_csv), "--text", "诉求内容", "--label", "诉求类别"
    )
    assert again.stdout.splitlines()[:2] == run.stdout.splitlines()[:2]  # fixed seed: same figures


def test_train_writes_the_model_the_system_loads(gbk_csv: Path, tmp_path: Path) -> None:
    run = hotline(
        tmp_path, "dispatch", "train", "--csv", str(gbk_csv), "--text", "诉求内容", "--label", "诉求类别"
    )
    assert run.returncode == 0, run.stderr
    saved = model_path(tmp_path / "suggesters", "category")
    assert str(saved) in run.stdout and "trained on 1500 texts" in run.stdout
    model = TextClassifier.load(saved)
    assert model.suggest("和平路有五盏路灯不亮，晚上一片漆黑")[0].label == "110301"


def test_bad_input_is_refused_clearly_and_writes_nothing(gbk_csv: Path, tmp_path: Path) -> None:
    wrong_column = hotline(
        tmp_path, "dispatch", "train", "--csv", str(gbk_csv), "--text", "内容", "--label", "诉求类别"
    )
    assert wrong_column.returncode == 1
    assert "no column '内容'" in wrong_column.stderr and "'诉求内容'" in wrong_column.stderr
    missing = hotline(
        tmp_path, "dispatch", "evaluate", "--csv", str(tmp_path / "none.csv"), "--text", "a", "--label", "b"
    )
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    no_label = hotline(tmp_path, "dispatch", "train", "--csv", str(gbk_csv), "--text", "诉求内容")
    assert no_label.returncode == 2 and "--csv needs --text and --label" in no_label.stderr
    assert not (tmp_path / "suggesters").exists()
