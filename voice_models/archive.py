"""Streaming download with size/SHA-256 checks, safe zip extraction and folder fingerprints."""

from __future__ import annotations

import hashlib
import shutil
import stat
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

from voice_models.layout import LayoutReport, check_layout

CHUNK = 1 << 20
# A vosk model zip expands to at most a few GB; anything far beyond that is a zip bomb or a mistake.
MAX_UNPACKED_BYTES = 16 << 30
MAX_MEMBERS = 20_000

ProgressFn = Callable[[int, int | None], None]


class InstallError(RuntimeError):
    """A model could not be installed; the message is Chinese + English."""


class ChecksumMismatchError(InstallError):
    pass


class UnsafeArchiveError(InstallError):
    pass


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_digest(what: str, size: int, sha256: str, want_size: int | None, want_sha: str | None) -> None:
    if want_size is not None and size != want_size:
        raise ChecksumMismatchError(
            f"大小不符 size mismatch for {what}: got {size:,} bytes, expected {want_size:,}"
        )
    if want_sha is not None and sha256 != want_sha.lower():
        raise ChecksumMismatchError(
            f"SHA-256 不符 checksum mismatch for {what}: got {sha256}, expected {want_sha.lower()}"
        )


def download(
    url: str,
    dest: Path,
    *,
    want_size: int | None,
    want_sha: str | None,
    timeout: float,
    progress: ProgressFn | None = None,
) -> tuple[int, str]:
    """Stream ``url`` into ``dest`` while hashing; return (size, sha256) after verifying both.

    Stops as soon as the body exceeds the expected size so a wrong or hostile server cannot fill
    the disk before the checksum would catch it.
    """
    request = urllib.request.Request(url, headers={"User-Agent": "hotline12345-voice-models/1"})
    digest = hashlib.sha256()
    written = 0
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp, dest.open("wb") as out:
            length = resp.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else want_size
            if want_size is not None and length and length.isdigit() and int(length) != want_size:
                raise ChecksumMismatchError(
                    f"大小不符 size mismatch for {url}: server says {int(length):,} bytes, "
                    f"expected {want_size:,}"
                )
            while chunk := resp.read(CHUNK):
                written += len(chunk)
                if want_size is not None and written > want_size:
                    raise ChecksumMismatchError(
                        f"下载超过预期大小 download larger than expected ({want_size:,} bytes): {url}"
                    )
                digest.update(chunk)
                out.write(chunk)
                if progress is not None:
                    progress(written, total)
    except OSError as exc:  # URLError, HTTPError, timeouts and disk errors are all OSError
        raise InstallError(f"下载失败 download failed: {url}: {exc}") from exc
    sha = digest.hexdigest()
    verify_digest(url, written, sha, want_size, want_sha)
    return written, sha


def _member_path(info: zipfile.ZipInfo) -> PurePosixPath:
    raw = info.filename.replace("\\", "/")  # zips made on Windows may use backslashes
    path = PurePosixPath(raw)
    first = path.parts[0] if path.parts else ""
    if raw.startswith("/") or ".." in path.parts or ":" in first or not path.parts:
        raise UnsafeArchiveError(f"压缩包含不安全路径 unsafe path in archive: {info.filename!r}")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise UnsafeArchiveError(f"压缩包含符号链接 symbolic link in archive: {info.filename!r}")
    return path


def safe_members(archive: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """Every member with its checked relative path; refuses traversal, symlinks and bombs."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise UnsafeArchiveError(f"压缩包文件过多 too many members in archive ({len(infos)})")
    if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
        raise UnsafeArchiveError("压缩包解压后过大 archive expands beyond the size limit")
    return [(info, _member_path(info)) for info in infos]


def extract_zip(zip_path: Path, into: Path) -> None:
    """Extract after checking every member; also confirms each target stays inside ``into``."""
    root = into.resolve()
    try:
        with zipfile.ZipFile(zip_path) as archive:
            for info, rel in safe_members(archive):
                target = (root / rel).resolve()
                if not target.is_relative_to(root):
                    raise UnsafeArchiveError(f"压缩包含不安全路径 unsafe path in archive: {info.filename!r}")
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst, CHUNK)
    except zipfile.BadZipFile as exc:
        raise InstallError(f"不是有效的 zip 文件 not a valid zip file: {zip_path}: {exc}") from exc


def zip_top_folder(zip_path: Path) -> str | None:
    """The single top-level folder of a zip (vosk zips wrap the model in ``<name>/``), if any."""
    try:
        with zipfile.ZipFile(zip_path) as archive:
            members = safe_members(archive)
    except zipfile.BadZipFile as exc:
        raise InstallError(f"不是有效的 zip 文件 not a valid zip file: {zip_path}: {exc}") from exc
    tops = {rel.parts[0] for info, rel in members if len(rel.parts) > 1 or info.is_dir()}
    files_at_top = any(len(rel.parts) == 1 and not info.is_dir() for info, rel in members)
    tops.discard("__MACOSX")
    return next(iter(tops)) if len(tops) == 1 and not files_at_top else None


def find_model_root(unpacked: Path) -> tuple[Path, LayoutReport]:
    """The folder inside an unpacked archive that holds ``am/`` (top level or one level down)."""
    if (unpacked / "am").is_dir():
        return unpacked, check_layout(unpacked)
    subdirs = [p for p in unpacked.iterdir() if p.is_dir() and p.name != "__MACOSX"]
    if len(subdirs) == 1:
        return subdirs[0], check_layout(subdirs[0])
    return unpacked, check_layout(unpacked)


def iter_files(root: Path, skip: frozenset[str] = frozenset()) -> Iterator[tuple[str, Path]]:
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel not in skip:
            yield rel, path


def tree_signature(root: Path, skip: frozenset[str] = frozenset()) -> str:
    """Cheap fingerprint (names + sizes) to tell whether a folder was already installed."""
    digest = hashlib.sha256()
    for rel, path in iter_files(root, skip):
        digest.update(f"{rel}\0{path.stat().st_size}\n".encode())
    return digest.hexdigest()


def file_digests(root: Path, skip: frozenset[str] = frozenset()) -> dict[str, list[int | str]]:
    """Per-file [size, sha256], stored at install time so ``check --deep`` can detect corruption."""
    return {rel: [path.stat().st_size, sha256_file(path)] for rel, path in iter_files(root, skip)}
