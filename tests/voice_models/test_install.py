import functools
import hashlib
import http.server
import shutil
import stat
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from voice_models.archive import ChecksumMismatchError, InstallError, UnsafeArchiveError
from voice_models.install import check, install, list_models, verify_files
from voice_models.locate import MARKER_NAME, SearchPaths, find_model, read_marker

from .conftest import make_fake_model


def zip_folder(folder: Path, zip_path: Path, top: str | None = None) -> Path:
    """Zip like vosk's official archives: every file under one top-level folder."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                rel = path.relative_to(folder).as_posix()
                archive.write(path, f"{top}/{rel}" if top else rel)
    return zip_path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def contents(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) if folder.exists() else []


@pytest.fixture
def model_zip(tmp_path: Path) -> Path:
    src = make_fake_model(tmp_path / "src" / "vosk-model-small-cn-0.22")
    return zip_folder(src, tmp_path / "dl" / "hotline-test-model.zip", top="hotline-test-model")


def test_install_zip_then_idempotent_then_force(model_zip: Path, search_paths: SearchPaths, tmp_path: Path):
    result = install(str(model_zip), paths=search_paths)
    target = search_paths.project_models / "hotline-test-model"
    assert result.status == "installed" and result.path == target
    assert result.layout.ok and (target / "am" / "final.mdl").is_file()
    assert not result.checksum_verified  # no checksum known for an unknown local zip
    marker = read_marker(target)
    assert marker["archive_sha256"] == sha(model_zip) and marker["source_kind"] == "zip"
    assert "am/final.mdl" in marker["files"]
    assert leftovers(search_paths.project_models) == []

    assert install(str(model_zip), paths=search_paths).status == "already-installed"

    other = make_fake_model(tmp_path / "src2" / "x")
    (other / "README").write_text("a different build\n")
    other_zip = zip_folder(other, tmp_path / "dl2" / "hotline-test-model.zip", top="hotline-test-model")
    with pytest.raises(InstallError, match="--force"):
        install(str(other_zip), paths=search_paths)
    replaced = install(str(other_zip), paths=search_paths, force=True)
    assert replaced.status == "replaced"
    assert (target / "README").read_text() == "a different build\n"
    assert leftovers(search_paths.project_models) == []


def test_zip_named_like_a_manifest_model_is_checked_against_the_manifest(
    tmp_path: Path, search_paths: SearchPaths
):
    fake = zip_folder(
        make_fake_model(tmp_path / "m"),
        tmp_path / "vosk-model-small-cn-0.22.zip",
        top="vosk-model-small-cn-0.22",
    )
    with pytest.raises(ChecksumMismatchError, match="43,898,754"):
        install(str(fake), paths=search_paths)
    assert not (search_paths.project_models / "vosk-model-small-cn-0.22").exists()


def test_explicit_checksum_for_local_zip(model_zip: Path, search_paths: SearchPaths):
    with pytest.raises(ChecksumMismatchError):
        install(str(model_zip), sha256="0" * 64, paths=search_paths)
    result = install(str(model_zip), sha256=sha(model_zip), paths=search_paths)
    assert result.checksum_verified


def _zip_with(tmp_path: Path, name: str, member: str | zipfile.ZipInfo, data: bytes = b"x") -> Path:
    path = make_fake_model(tmp_path / "m")
    zip_path = zip_folder(path, tmp_path / name)
    with zipfile.ZipFile(zip_path, "a") as archive:
        archive.writestr(member, data)
    return zip_path


@pytest.mark.parametrize("member", ["../evil.txt", "/etc/evil", "a/../../evil", "C:/evil", "..\\evil.txt"])
def test_zip_path_traversal_is_refused(tmp_path: Path, search_paths: SearchPaths, member: str):
    bad = _zip_with(tmp_path, "bad.zip", member)
    with pytest.raises(UnsafeArchiveError):
        install(str(bad), paths=search_paths)
    assert not (tmp_path / "evil.txt").exists()
    assert contents(search_paths.project_models) == []


def test_zip_symlink_is_refused(tmp_path: Path, search_paths: SearchPaths):
    info = zipfile.ZipInfo("link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    bad = _zip_with(tmp_path, "link.zip", info, b"/etc/passwd")
    with pytest.raises(UnsafeArchiveError, match="symbolic link"):
        install(str(bad), paths=search_paths)


def test_zip_without_a_model_is_refused(tmp_path: Path, search_paths: SearchPaths):
    broken = zip_folder(
        make_fake_model(tmp_path / "m", drop=["am/final.mdl"]), tmp_path / "broken.zip", top="b"
    )
    with pytest.raises(InstallError, match=r"am/final\.mdl"):
        install(str(broken), paths=search_paths)
    assert contents(search_paths.project_models) == []
    not_zip = tmp_path / "junk.zip"
    not_zip.write_bytes(b"not a zip")
    with pytest.raises(InstallError, match="zip"):
        install(str(not_zip), paths=search_paths)


def test_install_folder_idempotent_and_name(fake_model: Path, search_paths: SearchPaths):
    result = install(str(fake_model), paths=search_paths)
    assert result.status == "installed" and result.name == "vosk-model-small-cn-0.22"
    assert result.source_kind == "folder"
    assert find_model("zh", search_paths).path == result.path
    assert install(str(fake_model), paths=search_paths).status == "already-installed"
    assert (fake_model / MARKER_NAME).exists() is False  # the source is never written to


def test_install_broken_folder_is_refused(tmp_path: Path, search_paths: SearchPaths):
    broken = make_fake_model(tmp_path / "vosk-model-small-cn-0.22", drop=["graph/HCLr.fst"])
    with pytest.raises(InstallError, match=r"graph/HCLr\.fst"):
        install(str(broken), paths=search_paths)
    assert not search_paths.project_models.joinpath("vosk-model-small-cn-0.22").exists()


def test_missing_source_and_bad_name(tmp_path: Path, search_paths: SearchPaths, fake_model: Path):
    with pytest.raises(InstallError, match="not found"):
        install(str(tmp_path / "nothing.zip"), paths=search_paths)
    with pytest.raises(InstallError, match="invalid model name"):
        install(str(fake_model), name="../x", paths=search_paths)


def test_install_goes_to_data_dir_when_configured(
    fake_model: Path, tmp_path: Path, search_paths: SearchPaths
):
    paths = SearchPaths(
        None, tmp_path / "data" / "models", search_paths.project_models, search_paths.shared_models
    )
    result = install(str(fake_model), paths=paths)
    assert result.path.parent == tmp_path / "data" / "models"


class _Handler(http.server.SimpleHTTPRequestHandler):
    hits: list[str]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        super().do_GET()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[tuple[str, Path, list[str]]]:
    """A local HTTP server over tmp_path/www: (base URL, folder, request log)."""
    root = tmp_path / "www"
    root.mkdir()
    hits: list[str] = []
    handler = functools.partial(type("H", (_Handler,), {"hits": hits}), directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root, hits
    server.shutdown()
    server.server_close()


def test_install_from_url_verified_and_idempotent(http_server, model_zip: Path, search_paths: SearchPaths):
    base, www, hits = http_server
    shutil.copy(model_zip, www / "m.zip")
    seen: list[int] = []
    result = install(
        f"{base}/m.zip",
        sha256=sha(model_zip),
        size=model_zip.stat().st_size,
        paths=search_paths,
        progress=lambda done, total: seen.append(done),
    )
    assert result.status == "installed" and result.checksum_verified and result.name == "m"
    assert result.layout.ok and seen[-1] == model_zip.stat().st_size
    assert hits == ["/m.zip"]
    again = install(f"{base}/m.zip", sha256=sha(model_zip), paths=search_paths)
    assert again.status == "already-installed" and hits == ["/m.zip"]  # no second download
    assert leftovers(search_paths.project_models) == []


def test_url_checksum_mismatch_installs_nothing(http_server, model_zip: Path, search_paths: SearchPaths):
    base, www, _ = http_server
    shutil.copy(model_zip, www / "m.zip")
    with pytest.raises(ChecksumMismatchError):
        install(f"{base}/m.zip", sha256="f" * 64, paths=search_paths)
    with pytest.raises(ChecksumMismatchError, match="size mismatch"):
        install(f"{base}/m.zip", sha256=sha(model_zip), size=10, paths=search_paths)
    assert contents(search_paths.project_models) == []


def test_url_policy(http_server, search_paths: SearchPaths):
    base, _, hits = http_server
    with pytest.raises(InstallError, match="sha256"):
        install(f"{base}/m.zip", paths=search_paths)  # plain http without checksum
    with pytest.raises(InstallError, match="no checksum known"):
        install("https://models.invalid/unknown.zip", paths=search_paths)  # refused before any network use
    with pytest.raises(InstallError, match="download failed"):
        install(f"{base}/missing.zip", sha256="0" * 64, paths=search_paths)
    assert hits == ["/missing.zip"]


def test_list_and_check(fake_model: Path, search_paths: SearchPaths):
    report = check("zh", paths=search_paths)
    assert not report.ok and report.active is None
    assert "未找到可用模型" in report.to_text()

    install(str(fake_model), paths=search_paths)
    statuses = {s.spec.name: s for s in list_models(search_paths)}
    assert [m.path for m in statuses["vosk-model-small-cn-0.22"].installed] == [
        search_paths.project_models / "vosk-model-small-cn-0.22"
    ]
    assert statuses["vosk-model-cn-0.22"].installed == ()

    report = check("zh", deep=True, paths=search_paths)
    assert report.ok and report.active.name == "vosk-model-small-cn-0.22"
    assert "使用中 active" in report.to_text()

    installed = search_paths.project_models / "vosk-model-small-cn-0.22"
    (installed / "graph" / "Gr.fst").write_bytes(b"corrupted")
    assert verify_files(installed) == ["已改变 changed: graph/Gr.fst"]
    report = check("zh", deep=True, paths=search_paths)
    assert not report.ok and "graph/Gr.fst" in report.to_text()
