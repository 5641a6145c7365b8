"""Engines and sessions for SQLite (embedded default) and PostgreSQL.

SQLite gets WAL, foreign keys and a busy timeout, and every write transaction starts with
BEGIN IMMEDIATE: a deferred transaction that later upgrades to a write lock fails at once with
"database is locked" when another writer got there first, which would make concurrent intake flaky.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

import ticketing.knowledge_index  # noqa: F401 - registers the listeners that index knowledge articles
from ticketing.event_feed import EventPublisher, attach_publisher
from ticketing.reference_cache import ReferenceCache

SQLITE_BUSY_TIMEOUT_MS = 30_000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for a bare postgresql:// URL, so operators can paste the usual form."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _configure_sqlite(engine: Engine, begin: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so our BEGIN is the one that runs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)


def create_db_engine(url: str, *, read_only: bool = False, echo: bool = False) -> Engine:
    url = normalise_url(url)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        _configure_sqlite(engine, "BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


class Database:
    """One database: a write engine and, on SQLite, a second engine for reads that take no write lock."""

    def __init__(self, url: str, *, publisher: EventPublisher | None = None, echo: bool = False) -> None:
        self.url = normalise_url(url)
        self.engine = create_db_engine(self.url, echo=echo)
        self.read_engine = (
            create_db_engine(self.url, read_only=True, echo=echo) if is_sqlite(self.url) else self.engine
        )
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(self.read_engine, expire_on_commit=False)
        self.reference_cache = ReferenceCache()
        if publisher is not None:
            attach_publisher(self._writer, publisher)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back on any exception."""
        with self._writer() as session, session.begin():
            yield session

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    def ping(self) -> None:
        with self.read_engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
