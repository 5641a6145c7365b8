"""Apply one action to one ticket: check the state machine, append the event, fold it into the row.

Both writes happen in the caller's transaction, so either both land or neither does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing import lifecycle
from ticketing.errors import NotFound
from ticketing.event_feed import remember_for_publication
from ticketing.models import Ticket, TicketEvent, utcnow
from ticketing.projection import apply_event
from ticketing.ticket_search import index_ticket, searched_fields
from ticketing.vocabulary import TicketStatus


@dataclass(frozen=True)
class Actor:
    """Who did it: a user, or a named system part (intake, sweep, device 17, citizen)."""

    label: str
    user_id: int | None = None


SYSTEM = Actor("系统")


def load_for_update(session: Session, ticket_id: int) -> Ticket:
    """The ticket row, locked against concurrent actions until the transaction ends (PostgreSQL)."""
    ticket = session.execute(
        select(Ticket).where(Ticket.id == ticket_id).with_for_update()
    ).scalar_one_or_none()
    if ticket is None:
        raise NotFound(f"工单不存在：{ticket_id}", code="ticket_not_found", ticket_id=ticket_id)
    return ticket


def perform(
    session: Session,
    ticket: Ticket,
    action: str,
    actor: Actor,
    payload: dict[str, Any] | None = None,
    *,
    now: datetime | None = None,
) -> TicketEvent:
    """Append `action` to `ticket`'s log and update the projection; IllegalTransition changes nothing."""
    current = TicketStatus(ticket.status) if ticket.status else None
    target = lifecycle.check(action, current)
    event = TicketEvent(
        seq=(ticket.last_event_seq or 0) + 1,
        action=action,
        from_status=None if current is None else str(current),
        to_status=str(target),
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        created_at=now or utcnow(),
        payload=payload or {},
    )
    searched_before = None if ticket.id is None else searched_fields(ticket)
    if ticket.id is None:
        apply_event(ticket, event)
        session.add(ticket)
        session.flush()
    else:
        apply_event(ticket, event)
    if searched_fields(ticket) != searched_before:
        index_ticket(session, ticket)
    event.ticket_id = ticket.id
    session.add(event)
    session.flush()
    remember_for_publication(session, event, ticket)
    return event


def events_of(session: Session, ticket_id: int) -> list[TicketEvent]:
    return list(
        session.execute(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.seq)
        ).scalars()
    )
