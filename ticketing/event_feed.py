"""Publishing committed ticket events to live consumers (consoles, telephony) after commit.

The database is the source of truth: publication happens only after the commit succeeded and a failure
to publish is logged, never raised. A consumer that missed events re-reads them by id from
`ticket_events`.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ticketing.models import Ticket, TicketEvent

log = logging.getLogger(__name__)
PENDING_KEY = "hotline.pending_events"
FAILURE_LOG_INTERVAL_S = 60.0


class EventPublisher(Protocol):
    def publish(self, events: list[dict[str, Any]]) -> None: ...


def summarise(event: TicketEvent, ticket_number: str | None, holder_unit_id: int | None) -> dict[str, Any]:
    return {
        "id": event.id,
        "ticket_id": event.ticket_id,
        "ticket_number": ticket_number,
        "holder_unit_id": holder_unit_id,
        "seq": event.seq,
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor": event.actor_label,
        "actor_user_id": event.actor_user_id,
        "created_at": event.created_at.isoformat(),
        "payload": event.payload,
    }


def remember_for_publication(session: Session, event: TicketEvent, ticket: Ticket) -> None:
    session.info.setdefault(PENDING_KEY, []).append(summarise(event, ticket.number, ticket.holder_unit_id))


def attach_publisher(factory: sessionmaker[Session], publisher: EventPublisher) -> None:
    """Publish each committed transaction's events; forget them when it rolls back."""
    last_warning = [0.0]

    @sa_event.listens_for(factory, "after_commit")
    def _after_commit(session: Session) -> None:
        pending = session.info.pop(PENDING_KEY, None)
        if not pending:
            return
        try:
            publisher.publish(pending)
        except Exception as error:  # the commit stands; consumers catch up from the database
            # One line a minute while Redis is away, not a traceback per commit.
            if time.monotonic() - last_warning[0] > FAILURE_LOG_INTERVAL_S:
                last_warning[0] = time.monotonic()
                log.warning("publishing ticket events failed (consumers will catch up): %s", error)

    @sa_event.listens_for(factory, "after_rollback")
    def _after_rollback(session: Session) -> None:
        session.info.pop(PENDING_KEY, None)


def events_after(session: Session, last_event_id: int, limit: int = 1000) -> list[TicketEvent]:
    """What a consumer that saw events up to `last_event_id` missed, in commit-id order."""
    return list(
        session.execute(
            select(TicketEvent).where(TicketEvent.id > last_event_id).order_by(TicketEvent.id).limit(limit)
        ).scalars()
    )
