"""A leader live-answer session window around now, for tests that need a session on the air."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dispatch.leader_sessions import BEIJING


def window_around_now() -> dict[str, Any]:
    """A window (as SessionPlan fields) that contains now and stays inside today (Beijing)."""
    now = dt.datetime.now(BEIJING)
    start = max(now - dt.timedelta(hours=1), now.replace(hour=0, minute=0, second=0, microsecond=0))
    end = min(now + dt.timedelta(hours=1), now.replace(hour=23, minute=59, second=0, microsecond=0))
    return {"day": now.date(), "start": start.time(), "end": end.time()}
