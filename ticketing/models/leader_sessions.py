"""领导在线接听日: scheduled live-answer sessions and the tickets registered during them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.models.base import Base, utcnow
from ticketing.models.tickets import BigId

SCHEDULED = "scheduled"
CANCELLED = "cancelled"


class LeaderSession(Base):
    """One leader answering the hotline for one time window of one day, on behalf of one unit."""

    __tablename__ = "leader_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    topic: Mapped[str] = mapped_column(String(200))
    public: Mapped[bool] = mapped_column(default=True)
    # True: an agent answers first (screens) and hands the caller to the leader from the console;
    # False: callers go straight to the leader's phone.
    screened: Mapped[bool] = mapped_column(default=False)
    # Empty: the leader's own phone (users.sip_uri); set when the leader answers from a studio phone.
    sip_uri: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default=SCHEDULED)  # scheduled | cancelled
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_leader_sessions_window", "starts_at", "ends_at"),
        Index("ix_leader_sessions_leader", "leader_user_id", "starts_at"),
    )


class LeaderSessionTicket(Base):
    """A ticket registered during a session (the tag; the register event carries it too)."""

    __tablename__ = "leader_session_tickets"

    ticket_id: Mapped[int] = mapped_column(BigId, ForeignKey("tickets.id"), primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("leader_sessions.id"), index=True)
    sip_call_id: Mapped[str | None] = mapped_column(String(255))  # the call it came from, if any
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
