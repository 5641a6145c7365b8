"""The survey task table (回访): one row per citizen to call about one closed ticket.

The database holds the due time, the attempts and the state, so a flushed Redis or a killed worker
loses no survey: the sweep re-issues what is due from these rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.models import Base
from ticketing.models.base import utcnow
from ticketing.models.tickets import BigId

# Task states. "scheduled" and "calling" are open; the rest are settled.
SCHEDULED = "scheduled"  # waiting for due_at
CALLING = "calling"  # a dial command is out (request_id); its result job settles the attempt
ANSWERED = "answered"  # the citizen answered both questions, nothing to review
REVIEW = "review"  # unresolved or unsatisfied: the platform decides 重办 or records why not
REOPENED = "reopened"  # review decided 重办
REVIEW_CLOSED = "review_closed"  # review decided not to reopen, with a reason
UNREACHABLE = "unreachable"  # no answer after the last attempt
MANUAL = "manual"  # answered but no answer understood after the last attempt: an agent calls back
OPTED_OUT = "opted_out"  # the citizen asked not to be called
CANCELLED = "cancelled"  # the ticket was reopened before the call: its next closure is surveyed anew
OPEN_STATES = (SCHEDULED, CALLING)
AGENT_STATES = (SCHEDULED, UNREACHABLE, MANUAL)  # what agents may call back by hand


class SurveyTask(Base):
    __tablename__ = "survey_tasks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    # The ticket the citizen's own request was (differs from ticket_id after 并单).
    source_ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    phone_e164: Mapped[str] = mapped_column(String(20))
    # Which closure is surveyed (the ticket's closed_at then): after 重办 the next closure gets its own.
    closure_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime | None]
    request_id: Mapped[str | None] = mapped_column(String(64))  # of the dial command in flight
    issued_at: Mapped[datetime | None]
    last_outcome: Mapped[str | None] = mapped_column(String(30))
    resolved: Mapped[bool | None]
    satisfaction: Mapped[str | None] = mapped_column(String(30))
    method: Mapped[str | None] = mapped_column(String(20))  # auto_call | agent_call
    answered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("ticket_id", "closure_at", "phone_e164", name="uq_survey_tasks_closure_phone"),
        # The sweep reads only the open rows whose time has come.
        Index("ix_survey_tasks_state_due", "state", "due_at"),
    )
