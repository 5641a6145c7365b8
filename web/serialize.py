"""Tickets, events and assignments as JSON: Beijing time with its offset, Chinese labels beside the
stored values, and phone numbers masked for everyone but call agents."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from dispatch.models import Assignment
from dispatch.operators import Operator
from ticketing.models import Ticket, TicketEvent
from ticketing.vocabulary import Channel, Grade, TicketStatus, TicketType
from web.masking import masked_payload, phone_for

LOCAL = ZoneInfo("Asia/Shanghai")


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(LOCAL).isoformat() if moment else None


def ticket_summary(ticket: Ticket, operator: Operator) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "number": ticket.number,
        "status": ticket.status,
        "status_label": TicketStatus(ticket.status).label,
        "type": ticket.ticket_type,
        "type_label": TicketType(ticket.ticket_type).label,
        "grade": ticket.grade,
        "grade_label": Grade(ticket.grade).label,
        "channel": ticket.channel,
        "channel_label": Channel(ticket.channel).label,
        "title": ticket.title,
        "category_code": ticket.category_code,
        "holder_unit_id": ticket.holder_unit_id,
        "area_unit_id": ticket.area_unit_id,
        "confidential": ticket.confidential,
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
    }


def ticket_detail(ticket: Ticket, operator: Operator) -> dict[str, Any]:
    return {
        **ticket_summary(ticket, operator),
        "content": ticket.content,
        "transcript": ticket.transcript,
        "contact_name": None if ticket.anonymous else ticket.contact_name,
        "contact_phone": phone_for(operator, ticket.contact_phone),
        "address": ticket.address,
        "anonymous": ticket.anonymous,
        "callback_requested": ticket.callback_requested,
        "suspected_duplicate_of_id": ticket.suspected_duplicate_of_id,
        "merged_into_id": ticket.merged_into_id,
        "reopen_count": ticket.reopen_count,
        "closed_at": iso(ticket.closed_at),
    }


def event_json(event: TicketEvent, operator: Operator | None = None) -> dict[str, Any]:
    return {
        "id": event.id,
        "seq": event.seq,
        "action": event.action,
        "from_status": event.from_status,
        "to_status": event.to_status,
        "actor": event.actor_label,
        "created_at": iso(event.created_at),
        "payload": masked_payload(event.payload, operator),
    }


def assignment_json(a: Assignment) -> dict[str, Any]:
    return {
        "id": a.id,
        "unit_id": a.unit_id,
        "role": a.role,
        "status": a.status,
        "grade": a.grade,
        "final": a.final,
        "dispatched_by_unit_id": a.dispatched_by_unit_id,
        "dispatched_at": iso(a.dispatched_at),
        "dispatch_due_at": iso(a.dispatch_due_at),
        "sign_due_at": iso(a.sign_due_at),
        "reply_due_at": iso(a.reply_due_at),
        "signed_at": iso(a.signed_at),
        "replied_at": iso(a.replied_at),
        "extension_count": a.extension_count,
        "reply_text": a.reply_text,
        "resolved": a.resolved,
    }
