"""The migration chain builds exactly the schema the models describe (on both databases), so a model
change without its migration — or a migration lost in a merge — fails here, not in production."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

import dispatch.models  # registers the dispatch tables
import dispatch.survey_models  # noqa: F401 - registers the survey task table
from ticketing.models import Base

# Full-text search indexes made by raw SQL in their migrations (SQLite FTS5 / PostgreSQL), not models.
SEARCH_INDEXES = ("ticket_search", "kb_search")


def _not_a_search_index(difference: object) -> bool:
    if not isinstance(difference, tuple) or difference[0] not in ("remove_table", "remove_index"):
        return True
    table = difference[1] if difference[0] == "remove_table" else difference[1].table
    return not table.name.startswith(SEARCH_INDEXES)


def test_migrations_match_the_models(db_url):
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            found = compare_metadata(MigrationContext.configure(connection), Base.metadata)
            differences = [d for d in found if _not_a_search_index(d)]
    finally:
        engine.dispose()
    assert differences == [], "\n".join(map(str, differences))
