"""The admin audit log: who changed which piece of configuration, when, from what to what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.models.base import Base, JSONType
from ticketing.models.tickets import BigId


class AuditEntry(Base):
    """Append-only, written in the same transaction as the change it describes."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))  # create | update | disable | reset_password ...
    entity: Mapped[str] = mapped_column(String(40))  # org_unit | user | category | dispatch_rule ...
    entity_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)
