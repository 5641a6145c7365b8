"""The 好差评 channels as dispatch sees them: a device's or a QR page's rating is recorded, and a 差评
becomes a ticket for the rated unit at once (`dispatch.bad_ratings`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.assignments import LEAD
from dispatch.bad_ratings import open_bad_rating_ticket
from dispatch.models import Assignment
from ticketing.db import Database
from ticketing.errors import InvalidInput, NotFound
from ticketing.evaluations import Rated, RatingInput, is_bad, parse_rating, record_evaluation
from ticketing.models import RatingToken, Ticket
from ticketing.rating_devices import authenticate_device
from ticketing.rating_tokens import TICKET, issue_ticket_token, rate_with_token
from ticketing.ticket_actions import Actor, perform

CITIZEN = Actor("评价人")


@dataclass(frozen=True)
class Accepted:
    evaluation_id: int
    created: bool  # False: a replay of a rating already recorded
    level: str
    bad_ticket_id: int | None


def handling_unit(session: Session, ticket: Ticket) -> int | None:
    """The unit a rating of `ticket` is about: the last lead unit, else the unit holding it."""
    lead = session.execute(
        select(Assignment.unit_id)
        .where(Assignment.ticket_id == ticket.id, Assignment.role == LEAD)
        .order_by(Assignment.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return lead if lead is not None else ticket.holder_unit_id


def _follow_up(db: Database, accepted: Accepted, now: datetime | None) -> Accepted:
    if accepted.bad_ticket_id is not None or not is_bad(accepted.level):
        return accepted
    ticket_id = open_bad_rating_ticket(db, accepted.evaluation_id, now)
    return Accepted(accepted.evaluation_id, accepted.created, accepted.level, ticket_id)


def accept_device_rating(
    db: Database, token: str, body: dict[str, Any], now: datetime | None = None
) -> Accepted:
    """Authenticate the device and record its rating in one transaction (devices call this a lot);
    a replayed idempotency key returns the first record, and makes the 差评 ticket if an earlier
    attempt died before it. A bad token is refused before the body is looked at."""
    with db.session() as session:
        device = authenticate_device(session, token)
        rating = parse_rating(body, now)
        if rating.idempotency_key is None:
            raise InvalidInput("评价器上报须带幂等键 idempotency_key", code="idempotency_key_required")
        done = record_evaluation(session, "rating_device", Rated.by_device(device), rating, now=now)
    return _follow_up(db, Accepted(done.id, done.created, done.level, done.bad_ticket_id), now)


def rate_by_qr(db: Database, token: str, rating: RatingInput, now: datetime | None = None) -> Accepted:
    """Use a QR token once; a ticket's rating is also logged on the rated ticket."""
    with db.session() as session:
        row, done = rate_with_token(session, token, rating, now=now)
        if row.kind == TICKET and row.ticket_id is not None:
            ticket = session.get_one(Ticket, row.ticket_id)
            payload = {"level": done.level, "evaluation_id": done.id, "channel": "qr_rating"}
            perform(session, ticket, "rating", CITIZEN, payload, now=now)
        accepted = Accepted(done.id, True, done.level, None)
    return _follow_up(db, accepted, now)


def issue_ticket_qr(session: Session, ticket_id: int, now: datetime | None = None) -> tuple[RatingToken, str]:
    ticket = session.get(Ticket, ticket_id)
    unit_id = handling_unit(session, ticket) if ticket is not None else None
    if ticket is None or unit_id is None:
        raise NotFound(f"工单不存在：{ticket_id}", code="ticket_not_found")
    return issue_ticket_token(session, ticket_id, unit_id, now=now)
