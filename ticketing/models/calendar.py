"""The day table of the working-time calendar: which dates are working days, and why."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.models.base import Base


class CalendarDay(Base):
    __tablename__ = "calendar_days"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    is_workday: Mapped[bool]
    name: Mapped[str | None] = mapped_column(String(50))  # 春节, 国庆节, 调休上班 ...
    source: Mapped[str] = mapped_column(String(20), default="chinese_calendar")  # or "admin"
