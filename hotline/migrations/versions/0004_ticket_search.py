"""full-text search indexes of tickets and knowledge articles (bigram terms: FTS5 on SQLite,
tsvector + GIN on PostgreSQL)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

from ticketing.fulltext import KNOWLEDGE, TICKETS, FulltextIndex
from ticketing.knowledge_index import article_terms
from ticketing.search_terms import document_terms

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BATCH = 5000


def _create(index: FulltextIndex, sqlite: bool, source: str) -> None:
    if sqlite:
        # Terms are pre-split bigrams separated by spaces; unicode61 only has to split on the spaces.
        op.execute(
            f"CREATE VIRTUAL TABLE {index.name} USING fts5(terms, tokenize='unicode61 remove_diacritics 0')"
        )
    else:
        op.execute(
            f"CREATE TABLE {index.name} ({index.id_column} BIGINT PRIMARY KEY "
            f"REFERENCES {source} (id) ON DELETE CASCADE, terms tsvector NOT NULL)"
        )
        op.execute(f"CREATE INDEX ix_{index.name}_terms ON {index.name} USING gin (terms)")


def _backfill(index: FulltextIndex, select_sql: str, terms_of: Callable[[Any], list[str]]) -> None:
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(sa.text(select_sql), {"last": last, "n": BATCH}).mappings().all()
        if not rows:
            return
        for row in rows:
            index.write(bind, row["id"], terms_of(row))
        last = rows[-1]["id"]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _create(TICKETS, sqlite, "tickets")
    _create(KNOWLEDGE, sqlite, "kb_articles")
    _backfill(
        TICKETS,
        "SELECT id, number, title, address, content FROM tickets WHERE id > :last ORDER BY id LIMIT :n",
        lambda r: document_terms(r["number"], r["title"], r["address"], r["content"]),
    )
    _backfill(
        KNOWLEDGE,
        "SELECT * FROM kb_articles WHERE id > :last ORDER BY id LIMIT :n",
        lambda r: article_terms(r),
    )


def downgrade() -> None:
    op.execute(f"DROP TABLE {KNOWLEDGE.name}")
    op.execute(f"DROP TABLE {TICKETS.name}")
