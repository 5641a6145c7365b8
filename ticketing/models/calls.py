"""Call detail records (CDR): one row per call leg the hotline handled, linked to its ticket."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.models.base import Base
from ticketing.models.tickets import BigId


class CallRecord(Base):
    __tablename__ = "call_records"
    __table_args__ = (Index("ix_call_records_missed", "outcome", "callback_at", "started_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sip_call_id: Mapped[str] = mapped_column(String(255), unique=True)
    direction: Mapped[str] = mapped_column(String(10))  # inbound | outbound
    caller: Mapped[str | None] = mapped_column(String(64))
    callee: Mapped[str | None] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(index=True)
    queued_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    wait_seconds: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str | None] = mapped_column(String(30))  # answered, abandoned, voicemail, busy, ...
    agent_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    recording_attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    worker: Mapped[str | None] = mapped_column(String(50))
    # An abandoned call is called back (DESIGN §8): who did, when, and how it went.
    callback_at: Mapped[datetime | None]
    callback_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    callback_outcome: Mapped[str | None] = mapped_column(String(20))
    callback_note: Mapped[str | None] = mapped_column(String(500))
