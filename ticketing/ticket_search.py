"""Full-text search over tickets: their index rows and the condition that queries them.

`ticket_search` holds each ticket's bigram terms (`ticketing.search_terms`) of its number, title,
address and content. `ticket_actions.perform` — the one path that writes a ticket — re-indexes the
row in the same transaction whenever a searched field changed, so the index never disagrees with a
committed ticket.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import Session

from ticketing.fulltext import TICKETS
from ticketing.models import Ticket
from ticketing.search_terms import document_terms, query_phrases

TICKET_NUMBER = re.compile(r"\d{14}")  # YYYYMMDD + six-digit daily sequence (ticketing.numbering)


def searched_fields(ticket: Ticket) -> tuple[str | None, ...]:
    return (ticket.number, ticket.title, ticket.address, ticket.content)


def index_ticket(session: Session, ticket: Ticket) -> None:
    TICKETS.write(session.connection(), ticket.id, document_terms(*searched_fields(ticket)))


def _one_character(term: str) -> ColumnElement[bool]:
    # A single character is not in a bigram index; a substring scan answers it (rare, and the other
    # filters and scoping usually narrow the rows first).
    like = f"%{term}%"
    return or_(Ticket.title.like(like), Ticket.content.like(like), Ticket.address.like(like))


def matches(dialect: str, query: str) -> ColumnElement[bool] | None:
    """A WHERE condition on `Ticket` for tickets containing the query text (every run of it), or None
    when the query has no letters or digits."""
    if TICKET_NUMBER.fullmatch(query.strip()):
        # A whole ticket number: the unique index answers at once, where the phrase of its 13 digit
        # pairs (each in a large share of all tickets) is the slowest query the index could get.
        return Ticket.number == query.strip()
    phrases = query_phrases(query)
    if not phrases:
        return None
    indexed = [p for p in phrases if len(p[0]) == 2]
    conditions = [_one_character(p[0]) for p in phrases if len(p[0]) == 1]
    if indexed:
        conditions.append(Ticket.id.in_(TICKETS.ids_matching(dialect, indexed)))
    return and_(*conditions)
