"""One unit of dispatch work: a write transaction with the calendar, the policy and the clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from dispatch.calendar_store import load_working_calendar
from dispatch.policy import Policy, load_policy
from dispatch.working_calendar import WorkingCalendar
from ticketing.db import Database
from ticketing.models import utcnow

CALENDAR_KEY = "dispatch.working_calendar"
POLICY_KEY = "dispatch.policy"


@dataclass
class Context:
    session: Session
    calendar: WorkingCalendar
    policy: Policy
    now: datetime


@contextmanager
def dispatch_context(db: Database, now: datetime | None = None) -> Iterator[Context]:
    """The calendar and policy are cached for a few seconds (ReferenceCache); admin edits call
    `forget_policy` so they apply at once in this process."""
    with db.session() as session:
        calendar = db.reference_cache.get(CALENDAR_KEY, lambda: load_working_calendar(session))
        policy = db.reference_cache.get(POLICY_KEY, lambda: load_policy(session))
        assert calendar is not None and policy is not None
        yield Context(session, calendar, policy, now or utcnow())


def forget_policy(db: Database) -> None:
    db.reference_cache.clear()
