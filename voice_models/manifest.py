"""The speech models this project knows: name, language, official URL, size, SHA-256, licence.

The data lives in ``manifest.json`` beside this file so that an operator can read (and a release can
extend) it without touching code; this module only parses and validates it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

MANIFEST_PATH = Path(__file__).with_name("manifest.json")

ModelSource = Literal["download", "pip"]

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# Model names become folder names under the models directory, so they must be plain.
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class UnknownModelError(KeyError):
    """Raised when a model name is not in the manifest."""


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One known model. ``size_bytes``/``sha256`` are None when the project does not know them."""

    name: str
    language: str
    url: str | None
    size_bytes: int | None
    sha256: str | None
    license: str
    source: ModelSource
    pip_package: str | None
    default: bool
    runtime_grammar: bool | None
    notes: str

    @property
    def verifiable(self) -> bool:
        """True when a downloaded archive can be checked against a known size and checksum."""
        return self.size_bytes is not None and self.sha256 is not None

    @property
    def archive_name(self) -> str | None:
        """File name of the official archive (``<name>.zip``), used to recognise local zips."""
        if self.url is None:
            return None
        return Path(urlsplit(self.url).path).name

    def integrity_note(self) -> str:
        if self.verifiable:
            return f"size {self.size_bytes:,} bytes, SHA-256 {self.sha256}"
        return "size/SHA-256 unknown to the project (尚无校验值): verify the source yourself"


def is_valid_model_name(name: str) -> bool:
    return bool(_NAME_RE.match(name))


def _parse_spec(raw: dict[str, object]) -> ModelSpec:
    name = str(raw["name"])
    if not is_valid_model_name(name):
        raise ValueError(f"manifest: bad model name {name!r}")
    sha = raw.get("sha256")
    if sha is not None and not _SHA256_RE.match(str(sha)):
        raise ValueError(f"manifest: {name}: sha256 must be 64 lower-case hex digits")
    size = raw.get("size_bytes")
    if size is not None and (not isinstance(size, int) or size <= 0):
        raise ValueError(f"manifest: {name}: size_bytes must be a positive integer or null")
    url = raw.get("url")
    if url is not None and urlsplit(str(url)).scheme != "https":
        raise ValueError(f"manifest: {name}: official URLs must be https")
    source = str(raw["source"])
    if source not in ("download", "pip"):
        raise ValueError(f"manifest: {name}: source must be 'download' or 'pip'")
    grammar = raw.get("runtime_grammar")
    return ModelSpec(
        name=name,
        language=str(raw["language"]),
        url=None if url is None else str(url),
        size_bytes=size,
        sha256=None if sha is None else str(sha),
        license=str(raw["license"]),
        source=source,  # type: ignore[arg-type]  # checked just above
        pip_package=None if raw.get("pip_package") is None else str(raw["pip_package"]),
        default=bool(raw.get("default", False)),
        runtime_grammar=None if grammar is None else bool(grammar),
        notes=str(raw.get("notes", "")),
    )


def parse_manifest(text: str) -> tuple[ModelSpec, ...]:
    """Parse and validate manifest JSON text; exactly one model must be the default."""
    data = json.loads(text)
    specs = tuple(_parse_spec(item) for item in data["models"])
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ValueError("manifest: duplicate model names")
    if sum(s.default for s in specs) != 1:
        raise ValueError("manifest: exactly one model must be marked default")
    return specs


@cache
def load_manifest() -> tuple[ModelSpec, ...]:
    """All known models, in manifest order (cached: the file ships with the package)."""
    return parse_manifest(MANIFEST_PATH.read_text(encoding="utf-8"))


def get_spec(name: str) -> ModelSpec:
    for spec in load_manifest():
        if spec.name == name:
            return spec
    raise UnknownModelError(name)


def find_spec(name: str) -> ModelSpec | None:
    try:
        return get_spec(name)
    except UnknownModelError:
        return None


def default_spec() -> ModelSpec:
    return next(s for s in load_manifest() if s.default)


def specs_for_language(language: str) -> tuple[ModelSpec, ...]:
    """Known models for a language, the default first (it is the one we prefer to find)."""
    matching = [s for s in load_manifest() if s.language == language]
    return tuple(sorted(matching, key=lambda s: not s.default))


def spec_for_archive(file_name: str) -> ModelSpec | None:
    """The spec whose official archive has this file name (works for URLs and local zips)."""
    base = Path(urlsplit(file_name).path).name
    for spec in load_manifest():
        if spec.archive_name == base:
            return spec
    return None
