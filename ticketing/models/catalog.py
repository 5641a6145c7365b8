"""The category catalogue keyed by the GB/T 39666 six-digit code (2 + 2 + 2 digits, three levels)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.models.base import Base


class Category(Base):
    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("categories.code"), index=True)
    level: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
