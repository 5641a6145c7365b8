"""Full-text search over tickets: the index rows and the condition that queries them.

One table, `ticket_search`, holds each ticket's bigram terms (`ticketing.search_terms`) of its number,
title, address and content: an FTS5 table on SQLite (rowid = ticket id), a tsvector with a GIN index
on PostgreSQL. `ticket_actions.perform` — the one path that writes a ticket — re-indexes the row in the
same transaction whenever a searched field changed, so the index can never disagree with a committed
ticket.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import ColumnElement, and_, cast, column, literal, or_, select, table, text
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from ticketing.models import Ticket
from ticketing.search_terms import GAP, document_terms, query_phrases

SEARCH_TABLE = "ticket_search"
_sqlite_index = table(SEARCH_TABLE, column("rowid"), column("terms"))
_pg_index = table(SEARCH_TABLE, column("ticket_id"), column("terms"))


def searched_fields(ticket: Ticket) -> tuple[str | None, ...]:
    return (ticket.number, ticket.title, ticket.address, ticket.content)


def tsvector_literal(terms: list[str]) -> str:
    """`'下水':1,4 '水道':2` — positions kept, so a query can ask for adjacent bigrams (a phrase).
    Terms are letters and digits only (search_terms), so they need no quoting beyond the quotes."""
    positions: dict[str, list[int]] = defaultdict(list)
    for position, term in enumerate(terms, start=1):
        if term != GAP:  # a skipped position is enough of a gap for PostgreSQL's phrase operator
            positions[term].append(min(position, 16383))  # PostgreSQL's largest position
    return " ".join(f"'{term}':{','.join(map(str, where))}" for term, where in positions.items())


def index_ticket(session: Session, ticket: Ticket) -> None:
    """Write (or rewrite) one ticket's index row inside the caller's transaction."""
    terms = document_terms(*searched_fields(ticket))
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text(f"DELETE FROM {SEARCH_TABLE} WHERE rowid = :id"), {"id": ticket.id})
        session.execute(
            text(f"INSERT INTO {SEARCH_TABLE} (rowid, terms) VALUES (:id, :terms)"),
            {"id": ticket.id, "terms": " ".join(terms)},
        )
    else:
        session.execute(
            text(
                f"INSERT INTO {SEARCH_TABLE} (ticket_id, terms) VALUES (:id, CAST(:terms AS tsvector)) "
                "ON CONFLICT (ticket_id) DO UPDATE SET terms = EXCLUDED.terms"
            ),
            {"id": ticket.id, "terms": tsvector_literal(terms)},
        )


def fts5_query(phrases: list[list[str]]) -> str:
    return " AND ".join('"' + " ".join(phrase) + '"' for phrase in phrases)


def tsquery(phrases: list[list[str]]) -> str:
    return " & ".join("(" + " <-> ".join(f"'{term}'" for term in phrase) + ")" for phrase in phrases)


def _one_character(term: str) -> ColumnElement[bool]:
    # A single character is not in a bigram index; a substring scan answers it (rare, and the other
    # filters and scoping usually narrow the rows first).
    like = f"%{term}%"
    return or_(Ticket.title.like(like), Ticket.content.like(like), Ticket.address.like(like))


def matches(dialect: str, query: str) -> ColumnElement[bool] | None:
    """A WHERE condition on `Ticket` for tickets containing the query text (every run of it), or None
    when the query has no letters or digits."""
    phrases = query_phrases(query)
    if not phrases:
        return None
    indexed = [p for p in phrases if len(p[0]) == 2]
    conditions = [_one_character(p[0]) for p in phrases if len(p[0]) == 1]
    if indexed:
        if dialect == "sqlite":
            ids = select(_sqlite_index.c.rowid).where(_sqlite_index.c.terms.op("MATCH")(fts5_query(indexed)))
        else:
            ids = select(_pg_index.c.ticket_id).where(
                _pg_index.c.terms.op("@@")(cast(literal(tsquery(indexed)), TSQUERY))
            )
        conditions.append(Ticket.id.in_(ids))
    return and_(*conditions)
