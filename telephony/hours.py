"""Staffed hours: outside them a caller goes straight to voicemail (no agent will come)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")


class HoursError(ValueError):
    pass


def parse_hours(value: str) -> tuple[time, time] | None:
    """ "08:00-20:00" → (08:00, 20:00); "" → None (always staffed). "22:00-06:00" wraps midnight."""
    value = value.strip()
    if not value:
        return None
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-", 1))
    except ValueError:
        raise HoursError(f"staffed hours must look like 08:00-20:00, got {value!r}") from None
    if start == end:
        raise HoursError(f"staffed hours are empty: {value!r}")
    return start, end


def staffed(hours: tuple[time, time] | None, moment: datetime) -> bool:
    if hours is None:
        return True
    now = moment.astimezone(LOCAL_ZONE).time()
    start, end = hours
    return start <= now < end if start < end else (now >= start or now < end)
