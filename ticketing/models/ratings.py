"""好差评: service halls and their windows, the rating devices (评价器) at the windows, every
evaluation from any channel, and the single-use QR rating tokens (一事一评 / 一次一评)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.models.base import Base, JSONType
from ticketing.models.tickets import BigId


class ServiceHall(Base):
    """政务服务大厅, run by one unit."""

    __tablename__ = "service_halls"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    address: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)


class ServiceWindow(Base):
    """A counter in a hall; `unit_id` is the unit that answers for the service given there."""

    __tablename__ = "service_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("service_halls.id"))
    name: Mapped[str] = mapped_column(String(100))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    active: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (UniqueConstraint("hall_id", "name", name="uq_service_windows_hall_name"),)


class RatingDevice(Base):
    """An in-hall rating device. Its bearer token exists in clear only once, when issued."""

    __tablename__ = "rating_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("service_halls.id"))
    window_id: Mapped[int] = mapped_column(ForeignKey("service_windows.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    last_status: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # what the last heartbeat said


class Evaluation(Base):
    """One rating of one service, whatever the channel. The rater's phone stays here, never on the
    差评 ticket the rated unit works on: raters are not shown to the unit they rated."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(20))  # rating_device | qr_rating | default
    device_id: Mapped[int | None] = mapped_column(ForeignKey("rating_devices.id"))
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    level: Mapped[str] = mapped_column(String(30))
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    service_item: Mapped[str | None] = mapped_column(String(200))
    case_number: Mapped[str | None] = mapped_column(String(64))  # the 办件 number the device was given
    rated_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), unique=True)  # 一事一评
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("service_halls.id"))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("service_windows.id"))
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rater_phone: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime]  # the rater's moment (device clock), not when it reached us
    received_at: Mapped[datetime]
    bad_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    appeal_status: Mapped[str | None] = mapped_column(String(20))  # pending | upheld | rejected
    excluded: Mapped[bool] = mapped_column(default=False)  # an upheld appeal: out of the assessment

    __table_args__ = (
        # A device replaying its offline buffer sends the same key again: one record, however often.
        UniqueConstraint("device_id", "idempotency_key", name="uq_evaluations_device_idempotency_key"),
        Index("ix_evaluations_unit_rated", "unit_id", "rated_at"),
    )


class RatingToken(Base):
    """The secret behind one QR code: rates one closed ticket or one window visit, once, until it expires."""

    __tablename__ = "rating_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # ticket | visit
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("service_windows.id"))
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    evaluation_id: Mapped[int | None] = mapped_column(ForeignKey("evaluations.id"))
