"""The ticket projection, its append-only event log and the per-day number counter.

`tickets` is a projection: every column below the identity block is derived from `ticket_events`
by `ticketing.projection`, and replaying the events rebuilds it exactly.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.models.base import Base, JSONType

# SQLite only auto-increments INTEGER PRIMARY KEY; BIGINT elsewhere.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    idempotency_key: Mapped[str | None] = mapped_column(String(128))

    status: Mapped[str] = mapped_column(String(20), index=True)
    ticket_type: Mapped[str] = mapped_column(String(20))
    grade: Mapped[str] = mapped_column(String(20))
    category_code: Mapped[str | None] = mapped_column(ForeignKey("categories.code"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    transcript: Mapped[str | None] = mapped_column(Text)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"), index=True)
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(300))
    area_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    anonymous: Mapped[bool] = mapped_column(default=False)
    confidential: Mapped[bool] = mapped_column(default=False)
    callback_requested: Mapped[bool] = mapped_column(default=False)
    holder_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    suspected_duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    reopen_count: Mapped[int] = mapped_column(default=0)
    extra: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None] = mapped_column(index=True)  # open data: a month's closed tickets
    last_event_seq: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        UniqueConstraint("channel", "idempotency_key", name="uq_tickets_channel_idempotency_key"),
        Index("ix_tickets_citizen_created", "citizen_id", "created_at"),
        Index("ix_tickets_area_created", "area_unit_id", "created_at"),
    )


class TicketEvent(Base):
    """One change to one ticket. Never updated or deleted (database triggers refuse it)."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    seq: Mapped[int]
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    __table_args__ = (
        UniqueConstraint("ticket_id", "seq", name="uq_ticket_events_ticket_seq"),
        Index("ix_ticket_events_action_created", "action", "created_at"),  # KPIs: one action in a period
    )


class TicketNumberCounter(Base):
    """Last sequence used per day; incremented inside the intake transaction, so numbers never repeat."""

    __tablename__ = "ticket_number_counters"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)
