"""The ratings sweep (RQ scheduler, every few minutes): finishes 差评 a crash left half-way, and
counts a closed ticket nobody rated within `rating_default_days` as 基本满意 (the 好差评 default).

Idempotent: a default rating is unique per ticket and a 差评's steps are each repeatable, so a sweep
that runs twice, or after a restart, adds nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select

from dispatch.bad_ratings import open_bad_rating_ticket, unfinished_bad_ratings
from dispatch.context import dispatch_context
from dispatch.ratings import handling_unit
from ticketing.db import Database
from ticketing.evaluations import Rated, RatingInput, record_evaluation
from ticketing.models import Evaluation, Ticket, utcnow
from ticketing.ticket_actions import Actor, perform
from ticketing.vocabulary import RATING_CHANNELS, RatingLevel, TicketStatus

DEFAULTER = Actor("好差评默认评价")
BATCH = 500
MAX_BATCHES = 200
RATED_STATES = (TicketStatus.CLOSED.value, TicketStatus.VISITED.value)


@dataclass
class RatingSweepReport:
    routed: int = 0
    defaulted: int = 0


def _default_batch(db: Database, now: datetime) -> int:
    with dispatch_context(db, now) as ctx:
        cutoff = now - timedelta(days=ctx.policy.setting("rating_default_days"))
        rated = exists().where(Evaluation.rated_ticket_id == Ticket.id)
        tickets = ctx.session.execute(
            select(Ticket)
            .where(
                Ticket.status.in_(RATED_STATES),
                Ticket.closed_at <= cutoff,
                Ticket.channel.not_in([c.value for c in RATING_CHANNELS]),
                ~rated,
            )
            .order_by(Ticket.id)
            .limit(BATCH)
        ).scalars()
        count = 0
        for ticket in tickets:
            unit_id = handling_unit(ctx.session, ticket)
            if unit_id is None:
                continue
            assert ticket.closed_at is not None
            rating = RatingInput(
                level=RatingLevel.BASICALLY_SATISFIED.value,
                rated_at=ticket.closed_at + (now - cutoff),
                comment="逾期未评价，默认基本满意",
            )
            evaluation = record_evaluation(
                ctx.session, "default", Rated(unit_id=unit_id, ticket_id=ticket.id), rating, now=now
            )
            if evaluation.created:
                payload = {"level": evaluation.level, "evaluation_id": evaluation.id, "default": True}
                perform(ctx.session, ticket, "rating", DEFAULTER, payload, now=now)
                count += 1
        return count


def rating_sweep(db: Database, now: datetime | None = None) -> RatingSweepReport:
    now = now or utcnow()
    report = RatingSweepReport()
    with db.read_session() as session:
        unfinished = unfinished_bad_ratings(session)
    for evaluation_id in unfinished:
        open_bad_rating_ticket(db, evaluation_id, now)
        report.routed += 1
    for _ in range(MAX_BATCHES):
        done = _default_batch(db, now)
        report.defaulted += done
        if done == 0:
            break
    return report
