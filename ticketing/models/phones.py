"""Agents' SIP phone accounts: the credentials a desk phone or softphone registers with at the edge."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.models.base import Base, utcnow


class PhoneAccount(Base):
    """One phone per user. Only the digest HA1 is kept: the password is shown once, when it is set."""

    __tablename__ = "phone_accounts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    realm: Mapped[str] = mapped_column(String(64))
    ha1: Mapped[str] = mapped_column(String(32))  # md5(username:realm:password), what SIP digest needs
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
