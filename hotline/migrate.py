"""Bringing a database to the newest schema (`hotline db upgrade`)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from ticketing.db import normalise_url


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "hotline:migrations")
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from ticketing.db import create_db_engine

    engine = create_db_engine(url, read_only=True)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
