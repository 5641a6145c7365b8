"""Dispatch tables: assignments with their deadlines, the routing catalogue, the SLA policy,
extension requests, supervision notices and classifier feedback.

They share ticketing's declarative base, so one Alembic history covers both packages.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.models import Base
from ticketing.models.tickets import BigId


class Assignment(Base):
    """One unit's share of one ticket: the lead (主办) or a helper (协办), with its own deadlines."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    role: Mapped[str] = mapped_column(String(10))  # platform (awaiting dispatch) | lead | helper
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    dispatched_by_unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    grade: Mapped[str] = mapped_column(String(20))
    complex: Mapped[bool] = mapped_column(default=False)  # 复杂件: the longer reply limit
    status: Mapped[str] = mapped_column(String(20))
    final: Mapped[bool] = mapped_column(default=False)  # named by the platform's dispute decision
    # When this unit received it (for the platform: registration). The three indexed times below are
    # the assessment's month ranges (dispatched, replied, reply due).
    dispatched_at: Mapped[datetime] = mapped_column(index=True)
    dispatch_due_at: Mapped[datetime | None]  # platform only: dispatch by then
    sign_due_at: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]
    reply_due_at: Mapped[datetime | None] = mapped_column(index=True)
    replied_at: Mapped[datetime | None] = mapped_column(index=True)
    ended_at: Mapped[datetime | None]
    extension_count: Mapped[int] = mapped_column(default=0)
    reply_text: Mapped[str | None] = mapped_column(Text)
    resolved: Mapped[bool | None]
    note: Mapped[str | None] = mapped_column(Text)
    # The supervision sweep's timer: the next yellow or red card due on this assignment. Kept in the
    # database (never only in Redis) and indexed, so a sweep reads just the rows whose time has come.
    next_alarm_at: Mapped[datetime | None] = mapped_column(index=True)
    next_alarm_kind: Mapped[str | None] = mapped_column(String(10))  # yellow | red
    next_alarm_stage: Mapped[str | None] = mapped_column(String(10))  # dispatch | sign | reply

    __table_args__ = (Index("ix_assignments_unit_status", "unit_id", "status"),)


class DispatchRule(Base):
    """派单目录: tickets of a category (code prefix) in an area (unit subtree) go to a unit."""

    __tablename__ = "dispatch_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_prefix: Mapped[str] = mapped_column(String(6))  # "01", "0101" or "010101"
    area_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))  # None: anywhere
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    priority: Mapped[int] = mapped_column(default=100)  # lower wins among equally specific rules
    active: Mapped[bool] = mapped_column(default=True)


class SlaPolicy(Base):
    """Deadline of one stage for one grade. Admins edit these rows."""

    __tablename__ = "sla_policies"

    grade: Mapped[str] = mapped_column(String(20), primary_key=True)  # urgent, important, normal, complex
    stage: Mapped[str] = mapped_column(String(20), primary_key=True)  # dispatch, sign, reply
    amount: Mapped[int]
    unit: Mapped[str] = mapped_column(String(20))  # clock_minutes | working_minutes | working_days


class PolicySetting(Base):
    """Named numbers of the dispatch rules (return window, extension limits, warning share)."""

    __tablename__ = "policy_settings"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[float]


class ExtensionRequest(Base):
    __tablename__ = "extension_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    working_days: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | approved | rejected
    requested_at: Mapped[datetime]
    requested_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)


class SupervisionNotice(Base):
    """A yellow or red card, a 督办单, a 催办 or an escalation; unique per assignment, stage and kind so
    that a sweep run twice (or after a restart) never issues the same notice twice."""

    __tablename__ = "supervision_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)  # who must act
    kind: Mapped[str] = mapped_column(String(20))  # yellow | red | order | urge | escalation
    stage: Mapped[str] = mapped_column(String(20))  # sign | reply
    due_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(index=True)
    resolved_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint(
            "assignment_id", "stage", "kind", name="uq_supervision_notices_assignment_stage_kind"
        ),
    )


class ClassifierFeedback(Base):
    """What the classifier suggested and what a person chose: the training signal of overrides."""

    __tablename__ = "classifier_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    target: Mapped[str] = mapped_column(String(20))  # type | category | unit
    suggested: Mapped[str | None] = mapped_column(String(50))
    confidence: Mapped[float | None]
    chosen: Mapped[str] = mapped_column(String(50))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
