"""Intake under concurrent retries and concurrent callers, on both databases."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from threading import Barrier

from sqlalchemy import func, select

from tests.support.city import build_tiny_city
from ticketing.intake import submit
from ticketing.models import Citizen, Ticket, TicketEvent
from ticketing.submission import Submission

NOW = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
THREADS = 20


def rating(key: str | None, phone: str = "13912345678") -> Submission:
    return Submission(
        channel="rating_device",
        content="窗口工作人员态度差，办理营业执照让我跑了三次。",
        contact_phone=phone,
        idempotency_key=key,
    )


def run_together(count: int, work) -> list:
    barrier = Barrier(count)

    def start_together(i: int):
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(start_together, range(count)))


def test_twenty_concurrent_retries_of_one_key_make_one_ticket(db):
    build_tiny_city(db)
    results = run_together(THREADS, lambda _: submit(db, rating("device-3:eval-42"), now=NOW))

    assert len({r.ticket_id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1
        assert s.scalar(select(func.count()).select_from(TicketEvent)) == 1
        assert s.scalar(select(func.count()).select_from(Citizen)) == 1


def test_concurrent_intake_draws_unique_gapless_numbers(db):
    build_tiny_city(db)
    per_thread = 5
    results = run_together(
        THREADS,
        lambda i: [
            submit(db, rating(f"k-{i}-{j}", phone=f"1391234{i:02d}{j:02d}"), now=NOW)
            for j in range(per_thread)
        ],
    )
    numbers = [r.number for batch in results for r in batch]
    assert len(set(numbers)) == THREADS * per_thread
    assert sorted(numbers) == [f"20261123{n:06d}" for n in range(1, THREADS * per_thread + 1)]
