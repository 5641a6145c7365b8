"""A throw-away PostgreSQL server from Debian's binaries, in a temp dir, on a free port.

initdb and postgres refuse to run as root, so under root (CI) they run as the `postgres` user that
Debian's package creates.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from tests.support.ports import free_port


def find_pg_bin() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    found = shutil.which("pg_ctl")
    return Path(found).resolve().parent if found else None


class PostgresServer:
    def __init__(self, base_dir: Path, *, durable: bool = False) -> None:
        bin_dir = find_pg_bin()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL binaries not found: install Debian's postgresql (make setup does)")
        self.bin_dir = bin_dir
        self.base_dir = base_dir
        self.data_dir = base_dir / "data"
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.user = "hotline"
        # Tests trade durability for speed; benchmarks keep PostgreSQL's defaults.
        self.durability = (
            []
            if durable
            else ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        )

    def _as_owner(self, args: list[str]) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *args]
        return args

    def start(self) -> None:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.base_dir, "postgres", "postgres")
        subprocess.run(
            self._as_owner(
                [
                    str(self.bin_dir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    self.user,
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ]
            ),
            check=True,
            capture_output=True,
        )
        self.process = subprocess.Popen(
            self._as_owner(
                [
                    str(self.bin_dir / "postgres"),
                    "-D",
                    str(self.data_dir),
                    "-p",
                    str(self.port),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    f"unix_socket_directories={self.base_dir}",
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "max_connections=200",
                ]
            ),
            stdout=subprocess.DEVNULL,
            stderr=open(self.base_dir / "postgres.log", "wb"),  # noqa: SIM115 - lives as long as the server
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.admin_dsn(), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if self.process is not None and self.process.poll() is not None:
                    log = (self.base_dir / "postgres.log").read_text(errors="replace")
                    raise RuntimeError(f"postgres exited: {log[-2000:]}") from None
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def admin_dsn(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user={self.user} dbname={database}"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        with psycopg.connect(self.admin_dsn(), autocommit=True) as connection:
            connection.execute(sql)

    def execute_create(self, database: str) -> None:
        self.execute(f"CREATE DATABASE {database}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # SIGINT is PostgreSQL's "fast shutdown"; signal the postmaster itself, not the runuser wrapper.
        pid_file = self.data_dir / "postmaster.pid"
        postmaster = int(pid_file.read_text().split()[0]) if pid_file.exists() else self.process.pid
        os.kill(postmaster, signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def bench_database(name: str, pg_url: str | None = None, prefix: str = "hotline-bench-pg-") -> Iterator[str]:
    """For benchmarks: `pg_url` (an empty database) when given, else database `name` on a durable
    server of its own, started here and removed afterwards. Its own temp dir: the server runs as
    `postgres` under root and chowns only its base."""
    if pg_url:
        yield pg_url
        return
    server = PostgresServer(Path(tempfile.mkdtemp(prefix=prefix)), durable=True)
    server.start()
    try:
        server.execute_create(name)
        yield server.url(name)
    finally:
        server.stop()
        shutil.rmtree(server.base_dir, ignore_errors=True)
