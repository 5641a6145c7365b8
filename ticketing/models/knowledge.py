"""Knowledge-base articles with the elements of a service guide (办事指南)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.models.base import Base, JSONType, utcnow


class KnowledgeArticle(Base):
    __tablename__ = "kb_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    category_code: Mapped[str | None] = mapped_column(ForeignKey("categories.code"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    summary: Mapped[str] = mapped_column(Text, default="")
    basis: Mapped[str] = mapped_column(Text, default="")  # 设定依据
    conditions: Mapped[str] = mapped_column(Text, default="")  # 办理条件
    materials: Mapped[str] = mapped_column(Text, default="")  # 申请材料
    time_limit: Mapped[str] = mapped_column(String(200), default="")  # 办理时限
    place: Mapped[str] = mapped_column(Text, default="")  # 办理地点
    phone: Mapped[str] = mapped_column(String(100), default="")  # 咨询电话
    fees: Mapped[str] = mapped_column(Text, default="")  # 收费标准
    faq: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)  # [{"q": ..., "a": ...}]
    keywords: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
