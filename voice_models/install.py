"""``hotline models list | install | check``: the plain functions behind the CLI.

Installing is atomic: everything is unpacked or copied into a hidden staging folder inside the models
directory (same file system), verified, and only then renamed into place, so a half-written model is
never found by :mod:`voice_models.locate`. Re-running an install that already happened is a no-op.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from voice_models.archive import (
    InstallError,
    ProgressFn,
    download,
    extract_zip,
    file_digests,
    find_model_root,
    sha256_file,
    tree_signature,
    verify_digest,
    zip_top_folder,
)
from voice_models.layout import LayoutReport, ModelLayoutError, check_layout
from voice_models.locate import (
    MARKER_NAME,
    LocatedModel,
    ModelLanguageError,
    SearchPaths,
    discover,
    find_model,
    guess_language,
    korean_test_model,
    read_marker,
    searched_places,
)
from voice_models.manifest import ModelSpec, find_spec, is_valid_model_name, load_manifest, spec_for_archive

SourceKind = Literal["url", "zip", "folder"]
InstallStatus = Literal["installed", "already-installed", "replaced"]
_SKIP = frozenset({MARKER_NAME})


@dataclass(frozen=True, slots=True)
class InstallResult:
    name: str
    path: Path
    status: InstallStatus
    source: str
    source_kind: SourceKind
    archive_sha256: str | None
    checksum_verified: bool
    layout: LayoutReport

    def describe(self) -> str:
        verdict = {
            "installed": "已安装 installed",
            "already-installed": "已存在 already installed",
            "replaced": "已替换 replaced",
        }[self.status]
        check = "校验通过 checksum verified" if self.checksum_verified else "未校验 checksum not verified"
        return f"{verdict}: {self.name} → {self.path} ({check})"


def classify_source(source: str) -> SourceKind:
    scheme = urlsplit(source).scheme.lower()
    if scheme in ("https", "http"):
        return "url"
    path = Path(source).expanduser()
    if path.is_dir():
        return "folder"
    if path.is_file():
        return "zip"
    raise InstallError(f"找不到来源 source not found (URL, zip or folder expected): {source}")


def _default_name(kind: SourceKind, source: str) -> str:
    if kind == "folder":
        folder = Path(source).expanduser()
        marker = read_marker(folder)
        return str(marker["name"]) if marker and marker.get("name") else folder.resolve().name
    spec = spec_for_archive(source)
    if spec is not None:
        return spec.name
    if kind == "zip":
        top = zip_top_folder(Path(source).expanduser())
        if top is not None:
            return top
    file_name = Path(urlsplit(source).path if kind == "url" else source).name
    return file_name.removesuffix(".zip")


@dataclass(slots=True)
class _Job:
    kind: SourceKind
    source: str
    name: str
    spec: ModelSpec | None
    want_size: int | None
    want_sha: str | None
    target: Path
    archive_sha: str | None = None
    extra: dict[str, object] = field(default_factory=dict)


def _plan(source: str, name: str | None, sha256: str | None, size: int | None, dest: Path) -> _Job:
    kind = classify_source(source)
    resolved = name or _default_name(kind, source)
    if not is_valid_model_name(resolved):
        raise InstallError(f"模型名称无效 invalid model name {resolved!r} (letters, digits, . _ - only)")
    spec = find_spec(resolved)
    # An explicit checksum describes the file at hand (e.g. a repackaged mirror): then the manifest
    # size does not apply either.
    want_sha = sha256.lower() if sha256 else (spec.sha256 if spec else None)
    want_size = size if sha256 or size is not None else (spec.size_bytes if spec else None)
    return _Job(kind, source, resolved, spec, want_size, want_sha, dest / resolved)


def _check_url_policy(job: _Job, allow_unverified: bool) -> None:
    if job.kind != "url" or job.want_sha is not None:
        return
    if urlsplit(job.source).scheme.lower() != "https":
        raise InstallError(
            f"明文 http 下载必须提供 SHA-256 / plain-http download needs --sha256: {job.source}"
        )
    if not allow_unverified:
        raise InstallError(
            f"未知模型没有校验值 no checksum known for {job.name!r}: pass --sha256 <hex> "
            "(or --allow-unverified to trust the https server)"
        )


def _already_installed(job: _Job) -> bool:
    marker = read_marker(job.target)
    if marker is None or not check_layout(job.target).ok:
        return False
    if job.kind == "folder":
        return marker.get("tree_signature") == tree_signature(Path(job.source).expanduser(), _SKIP)
    if job.kind == "zip":
        job.archive_sha = sha256_file(Path(job.source).expanduser())
        verify_digest(
            job.source,
            Path(job.source).expanduser().stat().st_size,
            job.archive_sha,
            job.want_size,
            job.want_sha,
        )
        return marker.get("archive_sha256") == job.archive_sha
    if job.want_sha is not None:
        return marker.get("archive_sha256") == job.want_sha
    return marker.get("source") == job.source


def _stage_archive(job: _Job, staging: Path, timeout: float, progress: ProgressFn | None) -> Path:
    if job.kind == "url":
        zip_path = staging / "download.zip"
        size, job.archive_sha = download(
            job.source,
            zip_path,
            want_size=job.want_size,
            want_sha=job.want_sha,
            timeout=timeout,
            progress=progress,
        )
    else:
        zip_path = Path(job.source).expanduser()
        size = zip_path.stat().st_size
        job.archive_sha = job.archive_sha or sha256_file(zip_path)
        verify_digest(job.source, size, job.archive_sha, job.want_size, job.want_sha)
    job.extra["archive_size"] = size
    unpacked = staging / "unpacked"
    unpacked.mkdir()
    extract_zip(zip_path, unpacked)
    if job.kind == "url":
        zip_path.unlink()  # free the space before the model is hashed and moved
    return find_model_root(unpacked)[0]


def _stage_folder(job: _Job, staging: Path) -> Path:
    source = Path(job.source).expanduser()
    report = check_layout(source)
    if not report.ok:
        raise InstallError(report.describe())
    root = staging / "model"
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(MARKER_NAME))
    return root


def _write_marker(job: _Job, root: Path) -> None:
    language = job.spec.language if job.spec else guess_language(job.name)
    marker = {
        "name": job.name,
        "language": language,
        "source": job.source,
        "source_kind": job.kind,
        "archive_sha256": job.archive_sha,
        "checksum_verified": job.want_sha is not None and job.kind != "folder",
        "installed_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tree_signature": tree_signature(root, _SKIP),
        "files": file_digests(root, _SKIP),
        **job.extra,
    }
    (root / MARKER_NAME).write_text(json.dumps(marker, ensure_ascii=False, indent=1), encoding="utf-8")


def _place(root: Path, target: Path) -> InstallStatus:
    if not target.exists():
        os.rename(root, target)
        return "installed"
    old = target.with_name(f".old-{target.name}-{uuid.uuid4().hex[:8]}")
    os.rename(target, old)
    try:
        os.rename(root, target)
    except OSError:
        os.rename(old, target)  # put the previous model back rather than leave nothing
        raise
    shutil.rmtree(old, ignore_errors=True)
    return "replaced"


def install(
    source: str,
    *,
    name: str | None = None,
    sha256: str | None = None,
    size: int | None = None,
    dest_dir: Path | None = None,
    force: bool = False,
    allow_unverified: bool = False,
    timeout: float = 60.0,
    progress: ProgressFn | None = None,
    paths: SearchPaths | None = None,
) -> InstallResult:
    """Install a model from an http(s) URL, a local zip or a local folder into the models dir.

    Checksums come from ``sha256``/``size`` or from the manifest entry matching the name. Downloads
    of models without a known checksum are refused unless ``allow_unverified`` (https only).
    An existing different model of the same name is replaced only with ``force``.
    """
    paths = SearchPaths.from_environment() if paths is None else paths
    dest = dest_dir if dest_dir is not None else paths.install_dir
    job = _plan(source, name, sha256, size, dest)
    _check_url_policy(job, allow_unverified)
    if job.target.exists() and _already_installed(job):
        return _result(job, "already-installed", job.target)
    if job.target.exists() and not force:
        raise InstallError(
            f"目标已存在且内容不同 {job.target} already exists with different content: use --force to replace"
        )
    try:
        dest.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".install-", dir=dest))
    except OSError as exc:
        raise InstallError(f"无法写入模型目录 cannot write to models folder {dest}: {exc}") from exc
    try:
        root = (
            _stage_folder(job, staging)
            if job.kind == "folder"
            else _stage_archive(job, staging, timeout, progress)
        )
        report = check_layout(root)
        if not report.ok:
            raise InstallError(report.describe())
        _write_marker(job, root)
        status = _place(root, job.target)
    except OSError as exc:  # disk full, permissions, a concurrent install of the same name
        raise InstallError(f"安装失败 install failed: {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return _result(job, status, job.target)


def _result(job: _Job, status: InstallStatus, path: Path) -> InstallResult:
    marker = read_marker(path) or {}
    return InstallResult(
        name=job.name,
        path=path,
        status=status,
        source=job.source,
        source_kind=job.kind,
        archive_sha256=job.archive_sha
        or (str(marker["archive_sha256"]) if marker.get("archive_sha256") else None),
        checksum_verified=bool(marker.get("checksum_verified", False)),
        layout=check_layout(path),
    )


@dataclass(frozen=True, slots=True)
class ModelStatus:
    """A manifest entry and every copy of it found on this machine."""

    spec: ModelSpec
    installed: tuple[LocatedModel, ...]


def list_models(paths: SearchPaths | None = None) -> list[ModelStatus]:
    found = discover(paths)
    test_model = korean_test_model()
    statuses = []
    for spec in load_manifest():
        copies = [m for m in found if m.name == spec.name]
        if spec.source == "pip" and test_model is not None and test_model.name == spec.name:
            copies.append(test_model)
        statuses.append(ModelStatus(spec, tuple(copies)))
    return statuses


def verify_files(model_dir: Path) -> list[str]:
    """Re-hash every file against the install record; returns problems (empty = intact)."""
    marker = read_marker(model_dir)
    if marker is None or not isinstance(marker.get("files"), dict):
        return ["无安装记录，无法逐文件校验 no install record: per-file verification not possible"]
    recorded: dict[str, list[int | str]] = marker["files"]  # type: ignore[assignment]
    current = file_digests(model_dir, _SKIP)
    problems = [f"缺少 missing: {rel}" for rel in recorded if rel not in current]
    problems += [
        f"已改变 changed: {rel}" for rel, v in current.items() if rel in recorded and recorded[rel] != v
    ]
    problems += [f"多余 unexpected: {rel}" for rel in current if rel not in recorded]
    return problems


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What ``hotline models check`` prints: what is present, verified, where, and what would be used."""

    language: str
    active: LocatedModel | None
    error: str | None
    found: tuple[LocatedModel, ...]
    searched: tuple[str, ...]
    file_problems: dict[Path, tuple[str, ...]]
    test_model: LocatedModel | None

    @property
    def ok(self) -> bool:
        return self.active is not None and self.error is None and not self.file_problems.get(self.active.path)

    def to_text(self) -> str:
        lines = [f"语言 language: {self.language}"]
        if self.error:
            lines.append(f"错误 error: {self.error}")
        if self.active is not None:
            lines.append(f"使用中 active: {self.active.describe()}")
        else:
            lines.append("未找到可用模型 no usable model found; 已查找 searched:")
            lines += [f"  - {p}" for p in self.searched]
        for model in self.found:
            lines.append(f"发现 found: {model.describe()}")
            if not model.usable:
                lines += [f"    {line}" for line in model.layout.describe().splitlines()]
            lines += [f"    {p}" for p in self.file_problems.get(model.path, ())]
        if self.test_model is not None:
            lines.append(f"测试模型 test model (not for {self.language}): {self.test_model.describe()}")
        return "\n".join(lines)


def check(language: str = "zh", *, deep: bool = False, paths: SearchPaths | None = None) -> CheckReport:
    """Report every model found, which one would be used for ``language``, and (``deep``) whether
    its files still match the hashes recorded at install time."""
    found = tuple(discover(paths))
    active: LocatedModel | None = None
    error: str | None = None
    try:
        active = find_model(language, paths)
    except (ModelLayoutError, ModelLanguageError) as exc:
        error = str(exc)
    problems: dict[Path, tuple[str, ...]] = {}
    if deep:
        for model in found:
            if model.usable and model.marker is not None:
                problems[model.path] = tuple(verify_files(model.path))
    return CheckReport(
        language, active, error, found, tuple(searched_places(paths)), problems, korean_test_model()
    )
