"""Tickets of a leader live-answer session: registered through the one intake flow on the
`leader_line` channel, tagged with the session, and sent the same day to the leader's unit with an
end-of-day deadline (当天前往调查).

Two transactions (intake, then tag + dispatch) joined by the idempotency key: if the process dies
between them, the retry gets the same ticket back from intake and finishes the second step.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.context import dispatch_context
from dispatch.graded_dispatch import send_directly
from dispatch.leader_sessions import BEIJING, get_session
from dispatch.models import Assignment
from dispatch.operators import Operator, require
from dispatch.policy import same_day_policy
from ticketing.call_links import link_call
from ticketing.db import Database
from ticketing.errors import IllegalTransition
from ticketing.intake import IntakeResult, submit
from ticketing.models import LeaderSessionTicket, Ticket, utcnow
from ticketing.models.leader_sessions import CANCELLED
from ticketing.submission import Submission
from ticketing.ticket_actions import load_for_update
from ticketing.vocabulary import Channel, Role

SESSION_KEY = "leader_session_id"
RECORDING_ROLES = frozenset({Role.AGENT.value, Role.LEADER.value, Role.ADMIN.value})


@dataclass(frozen=True)
class SessionTicket:
    intake: IntakeResult
    unit_id: int
    reply_due_at: datetime | None


def _check_open_for_tickets(db: Database, session_id: int, now: datetime) -> int:
    with db.read_session() as session:
        row = get_session(session, session_id)
        if row.status == CANCELLED:
            raise IllegalTransition("该接听安排已取消", code="session_cancelled")
        # Calls are recorded during the session and right after it, but only on its own day.
        if now.astimezone(BEIJING).date() != row.starts_at.astimezone(BEIJING).date():
            raise IllegalTransition("只能在接听当天登记该场次的工单", code="session_not_today")
        if now < row.starts_at:
            raise IllegalTransition("接听尚未开始", code="session_not_started")
        return row.unit_id


def register(
    db: Database,
    operator: Operator,
    session_id: int,
    submission: Submission,
    *,
    sip_call_id: str | None = None,
    now: datetime | None = None,
) -> SessionTicket:
    require(operator.role in RECORDING_ROLES, "只有话务员或领导可以登记接听日工单", "forbidden")
    now = now or utcnow()
    unit_id = _check_open_for_tickets(db, session_id, now)
    tagged = replace(
        submission, channel=Channel.LEADER_LINE.value, extra={**submission.extra, SESSION_KEY: session_id}
    )
    result = submit(db, tagged, actor=operator.actor, now=now)
    with dispatch_context(db, now) as ctx:
        link = ctx.session.get(LeaderSessionTicket, result.ticket_id)
        if link is None:
            ticket = load_for_update(ctx.session, result.ticket_id)
            same_day = replace(ctx, policy=same_day_policy(ctx.policy))
            lead = send_directly(
                same_day,
                operator,
                ticket,
                unit_id,
                "领导接听日工单，当天前往调查",
                {SESSION_KEY: session_id, "same_day": True},
            )
            ctx.session.add(
                LeaderSessionTicket(
                    ticket_id=ticket.id, session_id=session_id, sip_call_id=sip_call_id, created_at=now
                )
            )
            if sip_call_id:  # the call's record and recording go onto the ticket (DESIGN §8)
                link_call(ctx.session, ticket, sip_call_id, operator.actor, now=now)
            due = lead.reply_due_at
        else:
            due = _lead_due(ctx.session, result.ticket_id, unit_id)
    return SessionTicket(result, unit_id, due)


def _lead_due(session: Session, ticket_id: int, unit_id: int) -> datetime | None:
    return session.execute(
        select(Assignment.reply_due_at)
        .where(Assignment.ticket_id == ticket_id, Assignment.unit_id == unit_id, Assignment.role == "lead")
        .order_by(Assignment.id.desc())
        .limit(1)
    ).scalar_one_or_none()


@dataclass(frozen=True)
class TicketProgress:
    ticket: Ticket
    reply_due_at: datetime | None
    sip_call_id: str | None


def session_tickets(session: Session, session_id: int) -> list[TicketProgress]:
    """The session's tickets, oldest first, each with its deadline at the leader's unit."""
    row = get_session(session, session_id)
    links = session.execute(
        select(LeaderSessionTicket, Ticket)
        .join(Ticket, Ticket.id == LeaderSessionTicket.ticket_id)
        .where(LeaderSessionTicket.session_id == session_id)
        .order_by(Ticket.id)
    ).all()
    return [
        TicketProgress(ticket, _lead_due(session, ticket.id, row.unit_id), link.sip_call_id)
        for link, ticket in links
    ]
