from pathlib import Path

import pytest

from voice_models.layout import ModelLayoutError, check_layout, require_layout

from .conftest import make_fake_model


def test_fake_lookahead_model_is_ok(fake_model: Path):
    report = check_layout(fake_model)
    assert report.ok, report.describe()
    assert report.graph == "lookahead" and report.runtime_grammar
    assert report.warnings == ()


def test_static_graph_model_has_no_runtime_grammar(tmp_path: Path):
    report = check_layout(make_fake_model(tmp_path / "big", graph="static"))
    assert report.ok and report.graph == "static" and not report.runtime_grammar


def test_missing_files_are_listed_in_chinese_and_english(tmp_path: Path):
    root = make_fake_model(tmp_path / "m", drop=["am/final.mdl", "graph/Gr.fst", "ivector/final.mat"])
    report = check_layout(root)
    assert not report.ok
    text = report.describe()
    assert "am/final.mdl" in text and "graph/Gr.fst" in text and "ivector/final.mat" in text
    assert "缺少" in text and "missing" in text and "模型目录不完整" in text and "incomplete" in text
    with pytest.raises(ModelLayoutError) as err:
        require_layout(root)
    assert "am/final.mdl" in str(err.value)


def test_no_graph_at_all(tmp_path: Path):
    root = make_fake_model(tmp_path / "m", drop=["graph/HCLr.fst", "graph/Gr.fst", "graph/disambig_tid.int"])
    report = check_layout(root)
    assert not report.ok and report.graph is None
    assert any("HCLG.fst" in m for m in report.missing)


def test_git_lfs_pointer_and_empty_file_are_problems(tmp_path: Path):
    root = make_fake_model(tmp_path / "m")
    (root / "am/final.mdl").write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 15900000\n"
    )
    (root / "conf/mfcc.conf").write_bytes(b"")
    report = check_layout(root)
    assert not report.ok
    assert any("Git LFS" in p for p in report.problems)
    assert any("conf/mfcc.conf" in p and "empty" in p for p in report.problems)


def test_optional_parts_give_warnings_not_errors(tmp_path: Path):
    ivector = [
        f"ivector/{n}"
        for n in (
            "final.dubm",
            "final.ie",
            "final.mat",
            "global_cmvn.stats",
            "online_cmvn.conf",
            "splice.conf",
        )
    ]
    root = make_fake_model(tmp_path / "m", drop=[*ivector, "graph/phones/word_boundary.int"])
    report = check_layout(root)
    assert report.ok
    assert len(report.warnings) == 2


def test_not_a_folder_and_old_layout(tmp_path: Path):
    assert not check_layout(tmp_path / "absent").ok
    (tmp_path / "file").write_text("x")
    assert "not a folder" in check_layout(tmp_path / "file").describe()
    old = tmp_path / "old"
    old.mkdir()
    (old / "final.mdl").write_bytes(b"x")
    assert "old model layout" in check_layout(old).describe()


def test_real_korean_model_layout(ko_model_dir: Path):
    report = check_layout(ko_model_dir)
    assert report.ok, report.describe()
    assert report.graph == "lookahead"
