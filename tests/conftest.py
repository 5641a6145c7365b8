"""Shared fixtures: real PostgreSQL and SQLite databases (migrated once, cloned per test) and a real
redis-server. Database tests take the `db` fixture and run once per database.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.migrate import upgrade
from hotline.redis_process import RedisProcess
from tests.support.ports import free_port
from tests.support.postgres import PostgresServer, find_pg_bin
from ticketing.db import Database

TEMPLATE_DB = "hotline_template"
_clone_counter = itertools.count()


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    if find_pg_bin() is None:
        pytest.fail("PostgreSQL binaries are missing: run `make setup` (installs Debian's postgresql)")
    # Not under pytest's tmp dir: its parents are private to root, and the server runs as `postgres`.
    base = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
    server = PostgresServer(base)
    server.start()
    server.execute(f"CREATE DATABASE {TEMPLATE_DB}")
    upgrade(server.url(TEMPLATE_DB))
    yield server
    server.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def new_database_url(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A freshly migrated, empty database of `kind`, private to the calling test."""
    if kind == "sqlite":
        path = tmp_path / f"hotline-{next(_clone_counter)}.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"test_{next(_clone_counter)}"
    server.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE_DB}")
    return server.url(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return new_database_url(request.param, request, tmp_path)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    database = Database(new_database_url("sqlite", request, tmp_path))
    yield database
    database.dispose()


@pytest.fixture
def pg_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    database = Database(new_database_url("postgresql", request, tmp_path))
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    server = RedisProcess(tmp_path_factory.mktemp("redis"), port=free_port(), persistent=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisProcess) -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    yield redis_server.url
