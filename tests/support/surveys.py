"""A ticket handled and closed the ordinary way (dispatched, signed, replied, accepted): what a
survey starts from, for the dispatch tests and the SIP acceptance tests alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dispatch.context import dispatch_context
from dispatch.graded_dispatch import dispatch_ticket
from dispatch.handling import reply, sign
from dispatch.models import Assignment
from dispatch.review import review
from ticketing.intake import submit
from ticketing.submission import Submission

PHONE = "13812345678"
MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Beijing, a working day


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Beijing wall-clock time in late November 2026 (UTC+8) as an aware UTC moment."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def new_ticket(db, phone: str = PHONE, content: str = "柳湾社区3号楼下水道堵塞，污水外溢。") -> int:
    return submit(
        db, Submission(channel="phone_agent", content=content, contact_phone=phone), now=MONDAY_10
    ).ticket_id


def run(db, now: datetime, fn, *args, **kwargs):
    with dispatch_context(db, now) as ctx:
        return fn(ctx, *args, **kwargs)


def handled_and_closed(db, city, phone: str = PHONE) -> int:
    """Dispatched to the district, signed, replied, accepted by the platform: closed at 14:00 Monday."""
    t = new_ticket(db, phone)
    run(db, at(23, 11), dispatch_ticket, city.op(db, "city"), t, city.district)
    with db.read_session() as s:
        lead = s.execute(select(Assignment.id).where(Assignment.role == "lead")).scalar_one()
    run(db, at(23, 12), sign, city.op(db, "district"), lead)
    run(db, at(23, 13), reply, city.op(db, "district"), lead, "已疏通。", resolved=True)
    run(db, at(23, 14), review, city.op(db, "city"), t, accept=True)
    return t
