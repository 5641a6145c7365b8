"""Alembic environment: one linear history for every package's tables."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import dispatch.models
import dispatch.survey_models  # noqa: F401 - registers the survey task table
import ticketing.models
from ticketing.db import create_db_engine

target_metadata = ticketing.models.Base.metadata


def _include(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    # The search index (FTS5 virtual table and its shadow tables, or the tsvector table) is written
    # by hand in its migration; autogenerate must not offer to drop it.
    return not (type_ == "table" and (name or "").startswith("ticket_search"))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_db_engine(context.config.get_main_option("sqlalchemy.url"))
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `hotline db upgrade`")
run_migrations_online()
