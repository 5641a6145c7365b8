"""ticket full-text search index (bigram terms: FTS5 on SQLite, tsvector + GIN on PostgreSQL)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ticketing.search_terms import document_terms
from ticketing.ticket_search import tsvector_literal

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BATCH = 5000


def _backfill(sqlite: bool) -> None:
    bind = op.get_bind()
    insert = (
        "INSERT INTO ticket_search (rowid, terms) VALUES (:id, :terms)"
        if sqlite
        else "INSERT INTO ticket_search (ticket_id, terms) VALUES (:id, CAST(:terms AS tsvector))"
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT id, number, title, address, content FROM tickets WHERE id > :last ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": BATCH},
        ).all()
        if not rows:
            return
        params = []
        for row in rows:
            terms = document_terms(row.number, row.title, row.address, row.content)
            params.append({"id": row.id, "terms": " ".join(terms) if sqlite else tsvector_literal(terms)})
        bind.execute(sa.text(insert), params)
        last = rows[-1].id


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # Terms are pre-split bigrams separated by spaces; unicode61 only has to split on the spaces.
        op.execute(
            "CREATE VIRTUAL TABLE ticket_search USING fts5(terms, tokenize='unicode61 remove_diacritics 0')"
        )
    else:
        op.execute(
            "CREATE TABLE ticket_search (ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE, "
            "terms tsvector NOT NULL)"
        )
        op.execute("CREATE INDEX ix_ticket_search_terms ON ticket_search USING gin (terms)")
    _backfill(sqlite)


def downgrade() -> None:
    op.execute("DROP TABLE ticket_search")
