"""Linking a call to the ticket it produced (every call has a CDR linked to its ticket, DESIGN §8).

The agent registers the ticket while the caller is still on the line, so the call record usually
does not exist yet (the telephony job writes it when the call ends). A stub row then holds the
link; the job fills it in and puts the recording on the ticket. Either order ends the same way.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.errors import InvalidInput
from ticketing.models import Attachment, CallRecord, Ticket, TicketEvent, utcnow
from ticketing.ticket_actions import Actor, perform

MAX_CALL_ID = 255


def call_record(session: Session, sip_call_id: str) -> CallRecord | None:
    found = session.execute(select(CallRecord).where(CallRecord.sip_call_id == sip_call_id))
    return found.scalar_one_or_none()


def link_call(
    session: Session, ticket: Ticket, sip_call_id: str, actor: Actor, *, now: datetime | None = None
) -> CallRecord:
    """Ties the call to `ticket` (idempotent). One call may raise two matters (two tickets): the call
    record and its recording stay with the first ticket, the later one logs the link to it."""
    if not sip_call_id or len(sip_call_id) > MAX_CALL_ID:
        raise InvalidInput("通话标识无效", code="invalid_call_id", field="sip_call_id")
    now = now or utcnow()
    row = call_record(session, sip_call_id)
    if row is None:
        row = CallRecord(sip_call_id=sip_call_id, direction="inbound", started_at=now)
        session.add(row)
    elif row.ticket_id == ticket.id:
        return row
    payload: dict[str, object] = {"sip_call_id": sip_call_id}
    if row.ticket_id is None:
        row.ticket_id = ticket.id
        session.flush()
        attach_recording(session, row)
    elif _already_logged(session, ticket, sip_call_id):
        return row
    else:
        payload["first_ticket_id"] = row.ticket_id
    payload["call_record_id"] = row.id
    perform(session, ticket, "link_call", actor, payload, now=now)
    return row


def _already_logged(session: Session, ticket: Ticket, sip_call_id: str) -> bool:
    links = select(TicketEvent.payload).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.action == "link_call"
    )
    events = session.execute(links).scalars()
    return any(payload.get("sip_call_id") == sip_call_id for payload in events)


def attach_recording(session: Session, row: CallRecord) -> None:
    """Puts the call's recording on its ticket once both exist."""
    if row.ticket_id is None or row.recording_attachment_id is None:
        return
    recording = session.get_one(Attachment, row.recording_attachment_id)
    if recording.ticket_id is None:
        recording.ticket_id = row.ticket_id
