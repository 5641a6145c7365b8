"""The supervision sweep with a frozen clock: cards at the right working minute across 国庆 2026 and
its 调休, nothing twice, nothing lost when Redis is flushed and the workers restart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import redis
from rq import Queue, SimpleWorker
from sqlalchemy import select

from dispatch import jobs
from dispatch.context import dispatch_context
from dispatch.graded_dispatch import dispatch_ticket
from dispatch.handling import sign
from dispatch.models import Assignment, SupervisionNotice
from dispatch.supervision import open_notices, sweep
from tests.dispatch.conftest import build_city
from ticketing.db import Database
from ticketing.intake import submit
from ticketing.submission import Submission
from ticketing.ticket_actions import events_of


def beijing(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return (
        datetime(2026, month, day, hour - 8, minute, tzinfo=UTC)
        if hour >= 8
        else datetime(2026, month, day - 1, hour + 16, minute, tzinfo=UTC)
    )


def notices(db) -> list[tuple[str, str]]:
    with db.read_session() as s:
        return [
            (n.stage, n.kind)
            for n in s.execute(select(SupervisionNotice).order_by(SupervisionNotice.id)).scalars()
        ]


def warnings(db, ticket_id: int) -> list[tuple[str, str | None]]:
    with db.read_session() as s:
        return [
            (e.action, e.payload.get("level"))
            for e in events_of(s, ticket_id)
            if e.action in ("warn", "urge", "supervise")
        ]


def dispatched_ticket(db, city, grade: str, registered: datetime, dispatched: datetime) -> tuple[int, int]:
    ticket_id = submit(
        db, Submission(channel="phone_agent", content="路灯不亮", grade=grade), now=registered
    ).ticket_id
    with dispatch_context(db, dispatched) as ctx:
        lead = dispatch_ticket(ctx, city.op(db, "city"), ticket_id, city.district)
    return ticket_id, lead.id


def test_cards_fall_on_the_right_working_minute_across_the_national_day_holiday(db_url, redis_url):
    db = Database(db_url)
    city = build_city(db)
    # Wednesday 30 Sep 16:00; 1–7 Oct are holidays, 8 Oct is the next working day (10 Oct a 调休 Saturday).
    ticket, lead = dispatched_ticket(db, city, "normal", beijing(9, 30, 15, 50), beijing(9, 30, 16))
    with db.read_session() as s:
        assert s.get_one(Assignment, lead).sign_due_at == beijing(10, 8, 16)

    assert sweep(db, beijing(10, 3, 12)).fired == {}  # mid-holiday: the clock stands still
    assert sweep(db, beijing(10, 8, 14, 35)).fired == {}
    assert sweep(db, beijing(10, 8, 14, 36)).fired == {"yellow": 1}  # 80 % of 420 working minutes
    assert sweep(db, beijing(10, 8, 14, 36)).fired == {}  # twice: nothing new
    assert warnings(db, ticket) == [("warn", "yellow")]

    # Lose everything transient: flush Redis, drop the process's engine and caches, start again.
    redis.Redis.from_url(redis_url).flushall()
    db.dispose()
    db = Database(db_url)
    assert sweep(db, beijing(10, 8, 16, 1)).fired == {"red": 1, "urge": 1}  # a normal ticket: no 督办单
    assert notices(db) == [("sign", "yellow"), ("sign", "red"), ("sign", "urge")]
    assert len(open_notices(db, city.district)) == 3

    with dispatch_context(db, beijing(10, 8, 16, 30)) as ctx:
        sign(ctx, city.op(db, "district"), lead)
    assert open_notices(db, city.district) == []  # the sign stage is over
    with db.read_session() as s:
        assignment = s.get_one(Assignment, lead)
        # Reply within 5 working days: 8, 9, 10 (调休), 12, 13 Oct; yellow one working day before.
        assert assignment.reply_due_at == beijing(10, 13, 16)
        assert (assignment.next_alarm_at, assignment.next_alarm_kind) == (beijing(10, 12, 16), "yellow")
    db.dispose()


def test_urgent_work_gets_a_supervision_order_and_escalation(db, city):
    ticket = submit(
        db, Submission(channel="phone_agent", content="燃气泄漏", grade="urgent"), now=beijing(11, 23, 10)
    ).ticket_id
    report = sweep(db, beijing(11, 23, 10, 1))
    assert report.adopted == 1  # the platform's dispatch clock starts at registration
    assert sweep(db, beijing(11, 23, 10, 24)).fired == {"yellow": 1}  # 80 % of 30 clock minutes
    assert sweep(db, beijing(11, 23, 10, 30)).fired == {"red": 1, "urge": 1, "order": 1}
    with dispatch_context(db, beijing(11, 23, 10, 40)) as ctx:
        dispatch_ticket(ctx, city.op(db, "city"), ticket, city.district)
    assert sweep(db, beijing(11, 23, 11, 40)).fired == {
        "yellow": 1,
        "red": 1,
        "urge": 1,
        "order": 1,
        "escalation": 1,
    }
    with db.read_session() as s:
        escalation = s.execute(
            select(SupervisionNotice).where(SupervisionNotice.kind == "escalation")
        ).scalar_one()
        assert escalation.unit_id == city.platform and escalation.stage == "sign"


@pytest.mark.slow
def test_sweep_runs_as_an_rq_job_and_a_flushed_queue_loses_no_timer(db_url, redis_url):
    db = Database(db_url)
    city = build_city(db)
    dispatched_ticket(db, city, "normal", beijing(9, 30, 15, 50), beijing(9, 30, 16))
    connection = redis.Redis.from_url(redis_url)
    queue = Queue("high", connection=connection)
    jobs.configure(db_url)

    queue.enqueue(jobs.sweep_job, beijing(10, 8, 14, 40).isoformat())
    connection.flushall()  # the queued job is gone, as after losing Redis
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert notices(db) == []

    job = queue.enqueue(jobs.sweep_job, beijing(10, 8, 14, 40).isoformat())  # the next scheduled run
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert job.return_value() == {"adopted": 0, "fired": {"yellow": 1}}
    assert notices(db) == [("sign", "yellow")]
    db.dispose()
