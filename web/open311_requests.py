"""Tickets as public GeoReport service requests (synchronous: callers run these in a worker thread).

Open311 reads need no key, so what leaves here is public: no names, no phone numbers, number-like
runs in free text masked, confidential tickets and unaccepted drafts never shown. One page of
tickets costs a fixed number of queries (units, categories, lead assignments, answers), not one per
ticket.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from dispatch.assignments import LEAD
from dispatch.calendar_store import load_working_calendar
from dispatch.models import Assignment
from dispatch.policy import Policy, load_policy
from dispatch.working_calendar import WorkingCalendar
from ticketing.models import Category, OrgUnit, Ticket, TicketEvent
from ticketing.vocabulary import TicketStatus
from web.open311_params import LOCAL, RequestQuery

S = TicketStatus
CLOSED = frozenset(s.value for s in (S.CLOSED, S.VISITED, S.ARCHIVED, S.MERGED, S.CANCELLED, S.TRANSFERRED))
HIDDEN = frozenset({S.DRAFT.value})  # not yet accepted: may be a raw voicemail transcript
OPEN = frozenset(s.value for s in S) - CLOSED - HIDDEN
# A lead assignment that no longer counts for the deadline the citizen was promised.
DEAD_ASSIGNMENT = ("returned", "cancelled")
# Where each answering event keeps its text.
ANSWER_KEYS = {"reply": "text", "close": "reply", "close_directly": "answer", "note": "answer"}
# Runs of 7+ digits (phone numbers, ID card numbers), possibly split by spaces or dashes.
NUMBER_RUN = re.compile(r"(?<![\dA-Za-z])(?:\d[ -]?){6,}\d[Xx]?(?![\dA-Za-z])")
DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


def scrub(text: str | None) -> str | None:
    """Mask phone and ID numbers a citizen or agent wrote into public text (dates stay readable)."""
    if not text:
        return text
    return NUMBER_RUN.sub(lambda m: m.group() if DATE.fullmatch(m.group()) else "***", text)


def w3c(moment: datetime | None) -> str | None:
    """The spec's W3C date-time: whole seconds with the offset (Beijing time, +08:00)."""
    return moment.astimezone(LOCAL).replace(microsecond=0).isoformat() if moment else None


def visible() -> list[ColumnElement[bool]]:
    return [Ticket.confidential.is_(False), Ticket.status.not_in(sorted(HIDDEN))]


def public_status(status: str) -> str:
    return "closed" if status in CLOSED else "open"


def _status_filter(statuses: Sequence[str]) -> list[ColumnElement[bool]]:
    if not statuses or set(statuses) == {"open", "closed"}:
        return []
    wanted = CLOSED if statuses[0] == "closed" else OPEN
    return [Ticket.status.in_(sorted(wanted))]


def find_tickets(session: Session, query: RequestQuery) -> list[Ticket]:
    """Newest first, at most `page_size` (the spec's 1000 by default)."""
    conditions = visible()
    if query.ids:
        conditions.append(Ticket.number.in_(query.ids))
    else:
        conditions += [Ticket.created_at >= query.start, Ticket.created_at <= query.end]
        conditions += _status_filter(query.statuses)
        if query.service_codes:
            conditions.append(Ticket.category_code.in_(query.service_codes))
    rows = session.execute(
        select(Ticket)
        .where(*conditions)
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .offset((query.page - 1) * query.page_size)
        .limit(query.page_size)
    ).scalars()
    return list(rows)


def find_ticket(session: Session, number: str, *, channel: str | None = None) -> Ticket | None:
    conditions = [*visible(), Ticket.number == number]
    if channel is not None:
        conditions.append(Ticket.channel == channel)
    return session.execute(select(Ticket).where(*conditions)).scalar_one_or_none()


class SlaClock:
    """The policy and the calendar, loaded only if some ticket on the page has no lead assignment."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @cached_property
    def policy(self) -> Policy:
        return load_policy(self.session)

    @cached_property
    def calendar(self) -> WorkingCalendar:
        return load_working_calendar(self.session)

    def reply_due(self, grade: str, start: datetime) -> datetime:
        return self.policy.limit(grade, "reply").deadline(self.calendar, start)


def _names(session: Session, column: Any, label: Any, keys: Iterable[Any]) -> dict[Any, str]:
    wanted = {k for k in keys if k is not None}
    if not wanted:
        return {}
    return {key: name for key, name in session.execute(select(column, label).where(column.in_(wanted)))}


def _lead_due(session: Session, ticket_ids: list[int]) -> dict[int, datetime]:
    """The reply deadline of each ticket's current top-level lead assignment (the platform's choice;
    deeper levels get their own, never later, deadlines inside it)."""
    rows = session.execute(
        select(Assignment.ticket_id, Assignment.reply_due_at)
        .where(
            Assignment.ticket_id.in_(ticket_ids),
            Assignment.role == LEAD,
            Assignment.parent_id.is_(None),
            Assignment.status.not_in(DEAD_ASSIGNMENT),
        )
        .order_by(Assignment.id)
    )
    return {ticket_id: due for ticket_id, due in rows if due is not None}


def published_answers(session: Session, ticket_ids: list[int]) -> dict[int, str]:
    """The latest answer given to each closed ticket: a reply, the closing review, a direct answer,
    or (for a merged duplicate) the surviving ticket's answer."""
    if not ticket_ids:
        return {}
    events = session.execute(
        select(TicketEvent)
        .where(TicketEvent.ticket_id.in_(ticket_ids), TicketEvent.action.in_(sorted(ANSWER_KEYS)))
        .order_by(TicketEvent.ticket_id, TicketEvent.seq)
    ).scalars()
    answers: dict[int, str] = {}
    for event in events:
        payload = event.payload or {}
        if event.action == "note" and payload.get("kind") != "parent_closed":
            continue
        text = payload.get(ANSWER_KEYS[event.action])
        if isinstance(text, str) and text.strip():
            answers[event.ticket_id] = text.strip()
    return answers


def _notes(ticket: Ticket, answer: str | None) -> str:
    label = TicketStatus(ticket.status).label
    if answer and ticket.status in CLOSED:
        return f"{label}：{scrub(answer)}"
    return label


def service_requests(session: Session, tickets: Sequence[Ticket]) -> list[dict[str, Any]]:
    if not tickets:
        return []
    ids = [t.id for t in tickets]
    units = _names(session, OrgUnit.id, OrgUnit.name, (t.holder_unit_id for t in tickets))
    categories = _names(session, Category.code, Category.name, (t.category_code for t in tickets))
    lead_due = _lead_due(session, ids)
    answers = published_answers(session, [t.id for t in tickets if t.status in CLOSED])
    clock = SlaClock(session)
    records = []
    for t in tickets:
        extra = (t.extra or {}).get("open311") or {}
        expected = lead_due.get(t.id) or clock.reply_due(t.grade, t.created_at)
        records.append(
            {
                "service_request_id": t.number,
                "status": public_status(t.status),
                "status_notes": _notes(t, answers.get(t.id)),
                "service_name": categories.get(t.category_code),
                "service_code": t.category_code,
                "description": scrub(t.content),
                "agency_responsible": units.get(t.holder_unit_id),
                "service_notice": None,
                "requested_datetime": w3c(t.created_at),
                "updated_datetime": w3c(t.updated_at),
                "expected_datetime": w3c(expected),
                "address": t.address,
                "address_id": extra.get("address_id"),
                "zipcode": None,
                "lat": t.latitude,
                "long": t.longitude,
                "media_url": extra.get("media_url"),
            }
        )
    return records
