"""The assessment period (考核周期): a calendar month in Beijing time, as a half-open UTC range, and
the SQL that buckets a timestamp column into Beijing days on either database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, extract, func, literal_column
from sqlalchemy.orm import Session

from dispatch.ticket_listing import BEIJING
from ticketing.errors import InvalidInput

MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class Period:
    label: str  # "2026-11"
    start: datetime  # aware UTC, inclusive
    end: datetime  # aware UTC, exclusive

    def days(self) -> list[str]:
        """Every Beijing day of the period, "YYYY-MM-DD", for charts that must show empty days too."""
        day, last = (
            self.start.astimezone(BEIJING).date(),
            (self.end - timedelta(seconds=1)).astimezone(BEIJING),
        )
        out = []
        while day <= last.date():
            out.append(day.isoformat())
            day += timedelta(days=1)
        return out


def month_period(label: str) -> Period:
    match = MONTH.fullmatch(label.strip())
    if match is None or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise InvalidInput("考核月份格式应为 YYYY-MM，例如 2026-11", code="invalid_month", field="month")
    year, month = int(match.group(1)), int(match.group(2))
    start = datetime(year, month, 1, tzinfo=BEIJING)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=BEIJING)
    return Period(f"{year:04d}-{month:02d}", start.astimezone(UTC), end.astimezone(UTC))


def current_month(now: datetime) -> str:
    return now.astimezone(BEIJING).strftime("%Y-%m")


def beijing_day(session: Session, column: ColumnElement[datetime]) -> ColumnElement[str]:
    """The Beijing calendar day of a UTC timestamp column, as text "YYYY-MM-DD"."""
    if session.get_bind().dialect.name == "postgresql":
        local = func.timezone(literal_column("'Asia/Shanghai'"), column)
        return func.to_char(local, literal_column("'YYYY-MM-DD'"))
    return func.date(column, literal_column("'+8 hours'"))  # SQLite stores naive UTC


def seconds_between(session: Session, start: ColumnElement, end: ColumnElement) -> ColumnElement[float]:
    if session.get_bind().dialect.name == "postgresql":
        return extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0
