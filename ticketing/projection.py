"""How an event changes the `tickets` projection. The live path and replay both use `apply_event`,
so replaying a ticket's events rebuilds its row exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ticketing.models import Ticket, TicketEvent

# Columns an event's payload may set, at birth ("create") or later ("update"-like actions).
CREATION_FIELDS = (
    "number",
    "channel",
    "idempotency_key",
    "ticket_type",
    "grade",
    "category_code",
    "title",
    "content",
    "transcript",
    "citizen_id",
    "contact_name",
    "contact_phone",
    "address",
    "area_unit_id",
    "latitude",
    "longitude",
    "anonymous",
    "confidential",
    "callback_requested",
    "holder_unit_id",
    "suspected_duplicate_of_id",
    "extra",
)
EDITABLE_FIELDS = frozenset(
    {
        "ticket_type",
        "grade",
        "category_code",
        "title",
        "content",
        "transcript",
        "contact_name",
        "address",
        "area_unit_id",
        "latitude",
        "longitude",
        "anonymous",
        "confidential",
        "callback_requested",
    }
)
PROJECTED_COLUMNS = (
    *CREATION_FIELDS,
    "status",
    "merged_into_id",
    "reopen_count",
    "created_at",
    "updated_at",
    "closed_at",
    "last_event_seq",
)
BIRTH_ACTIONS = frozenset({"create_draft", "register"})


def _apply_changes(ticket: Ticket, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        if field in EDITABLE_FIELDS:
            setattr(ticket, field, value)


def _apply_flags(ticket: Ticket, payload: dict[str, Any]) -> None:
    """Workflow flags kept in `extra` (e.g. arbitration pending), set and cleared by events."""
    if "extra_set" not in payload and "extra_unset" not in payload:
        return
    extra = dict(ticket.extra or {})
    extra.update(payload.get("extra_set") or {})
    for key in payload.get("extra_unset") or ():
        extra.pop(key, None)
    ticket.extra = extra


def apply_event(ticket: Ticket, event: TicketEvent) -> None:
    """Fold one event into the projection. Events must come in `seq` order."""
    payload = event.payload or {}
    action = event.action
    if action in BIRTH_ACTIONS and event.from_status is None:
        for field in CREATION_FIELDS:
            setattr(ticket, field, payload.get(field))
        ticket.extra = payload.get("extra") or {}
        ticket.anonymous = bool(payload.get("anonymous"))
        ticket.confidential = bool(payload.get("confidential"))
        ticket.callback_requested = bool(payload.get("callback_requested"))
        ticket.merged_into_id = None
        ticket.reopen_count = 0
        ticket.closed_at = None
        ticket.created_at = event.created_at
    else:
        _apply_changes(ticket, payload.get("changes") or {})
        _apply_flags(ticket, payload)
    if "holder_unit_id" in payload and action not in BIRTH_ACTIONS:
        ticket.holder_unit_id = payload["holder_unit_id"]
    if action == "change_grade":
        ticket.grade = payload["grade"]
    elif action == "flag_duplicate":
        ticket.suspected_duplicate_of_id = payload.get("duplicate_of_id")
    elif action == "merge":
        ticket.merged_into_id = payload["into_ticket_id"]
    elif action in ("close", "close_directly"):
        ticket.closed_at = event.created_at
    elif action in ("reopen", "reject_reply"):
        ticket.reopen_count = (ticket.reopen_count or 0) + 1
        ticket.closed_at = None
    ticket.status = event.to_status
    ticket.updated_at = event.created_at
    ticket.last_event_seq = event.seq


def replay(events: Iterable[TicketEvent]) -> Ticket:
    """A detached Ticket rebuilt from nothing but its events."""
    ticket = Ticket()
    for event in events:
        apply_event(ticket, event)
    return ticket


def snapshot(ticket: Ticket) -> dict[str, Any]:
    """The projected columns as a dict, for comparing a row with its replay."""
    return {column: getattr(ticket, column) for column in PROJECTED_COLUMNS}
