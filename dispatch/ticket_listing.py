"""Which tickets a filtered list shows: the operator's scope, the filters, full-text search, one order.

The list page, the exports and anything else that lists tickets build their query here, so they can
never disagree about scoping or filtering.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, exists, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from dispatch.models import Assignment
from dispatch.operators import Operator
from dispatch.visibility import ticket_filter
from ticketing.models import Ticket
from ticketing.ticket_search import matches

BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class TicketFilters:
    statuses: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    unit_id: int | None = None  # the holder, or any unit with an assignment for the ticket
    category_prefix: str | None = None  # 2, 4 or 6 digits of the GB/T 39666 code
    created_from: dt.date | None = None  # Beijing dates, both ends included
    created_to: dt.date | None = None
    q: str = ""


def beijing_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), BEIJING).astimezone(dt.UTC)


def conditions(session: Session, operator: Operator, filters: TicketFilters) -> list[ColumnElement[bool]]:
    where = [ticket_filter(session, operator)]
    if filters.statuses:
        where.append(Ticket.status.in_(filters.statuses))
    if filters.grades:
        where.append(Ticket.grade.in_(filters.grades))
    if filters.channels:
        where.append(Ticket.channel.in_(filters.channels))
    if filters.unit_id is not None:
        assigned = exists().where(Assignment.ticket_id == Ticket.id, Assignment.unit_id == filters.unit_id)
        where.append(or_(Ticket.holder_unit_id == filters.unit_id, assigned))
    if filters.category_prefix:
        where.append(Ticket.category_code.startswith(filters.category_prefix, autoescape=True))
    if filters.created_from:
        where.append(Ticket.created_at >= beijing_midnight(filters.created_from))
    if filters.created_to:
        where.append(Ticket.created_at < beijing_midnight(filters.created_to + dt.timedelta(days=1)))
    if filters.q:
        found = matches(session.get_bind().dialect.name, filters.q)
        where.append(false() if found is None else found)
    return where


def ordered(statement: Select) -> Select:
    """Newest first; the id breaks ties, so pages never repeat or skip a ticket."""
    return statement.order_by(Ticket.created_at.desc(), Ticket.id.desc())


# Up to this many matching tickets, a page is cut from the sorted matches; above it, from a walk down
# the created_at index. Measured on PostgreSQL (benchmarks/search.py): for a rare search term the
# planner, guessing hundreds of matches, walks the index and reads every ticket to find 20 (0.2 s at
# 100k tickets, seconds at 1M) where sorting the 10 real matches takes a millisecond; for a term
# in most tickets the walk takes a millisecond and sorting them all is what takes seconds. Sorting
# is bounded by this number; the walk reads about 20 × tickets / matches rows.
FEW_MATCHES = 5_000
COUNT_CAP = 10_000


def count_matches(session: Session, where: list[ColumnElement[bool]], *, cap: int) -> int:
    """How many tickets meet `where`, counted up to cap + 1 at most: a list needs "more than 10,000",
    not the exact size of a common word's match set, which costs a full scan of it."""
    matched = select(Ticket.id).where(*where).limit(cap + 1).subquery()
    return session.scalar(select(func.count()).select_from(matched)) or 0


def page(where: list[ColumnElement[bool]], *, matches_count: int, offset: int, limit: int) -> Select:
    """One page of the tickets meeting `where`, newest first; `matches_count` is their count (the
    list shows it anyway), which picks the plan."""
    if matches_count > FEW_MATCHES:
        return ordered(select(Ticket).where(*where)).offset(offset).limit(limit)
    # OFFSET 0 keeps the subquery from being merged into the outer query, so it is planned alone
    # (find the matches) and only its rows are sorted.
    matched = aliased(Ticket, select(Ticket).where(*where).offset(0).subquery("matched"))
    return select(matched).order_by(matched.created_at.desc(), matched.id.desc()).offset(offset).limit(limit)
