"""The calendar day table in the database: seeded from `chinese_calendar`, edited by admins, and read
back as a WorkingCalendar. Seeding only adds missing days, so an admin's edits are never overwritten.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.holiday_calendar import calendar_from_days, days_from_chinese_calendar, supported_years
from dispatch.working_calendar import WorkingCalendar
from ticketing.models import CalendarDay


def seed_calendar_days(session: Session, years: range) -> int:
    """Insert the days of `years` the package knows and the table lacks; returns how many were added."""
    known = supported_years()
    wanted = [year for year in years if year in known]
    if not wanted:
        return 0
    start, end = dt.date(wanted[0], 1, 1), dt.date(wanted[-1], 12, 31)
    present = set(
        session.execute(select(CalendarDay.day).where(CalendarDay.day.between(start, end))).scalars()
    )
    added = 0
    for day, (is_workday, name) in sorted(days_from_chinese_calendar(start, end).items()):
        if day not in present:
            session.add(CalendarDay(day=day, is_workday=is_workday, name=name, source="chinese_calendar"))
            added += 1
    return added


def set_day(session: Session, day: dt.date, *, is_workday: bool, name: str | None) -> None:
    """An admin's word on one day; it wins over the package for good."""
    row = session.get(CalendarDay, day)
    if row is None:
        session.add(CalendarDay(day=day, is_workday=is_workday, name=name, source="admin"))
    else:
        row.is_workday, row.name, row.source = is_workday, name, "admin"


def load_working_calendar(session: Session) -> WorkingCalendar:
    days = {row.day: row.is_workday for row in session.execute(select(CalendarDay)).scalars()}
    return calendar_from_days(days)
