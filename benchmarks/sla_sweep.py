"""Supervision sweep time at 100k and 1M open assignments on PostgreSQL: it should stay flat, because
the sweep reads only the assignments whose indexed `next_alarm_at` has come.

    .venv/bin/python benchmarks/sla_sweep.py [--sizes 100000 1000000] [--due 200] [--pg-url URL]

Rows are generated with generate_series (tickets, then one pending assignment each, alarms spread
over the next 30 days); then `--due` of them are made due and one sweep is timed (it issues their
yellow cards, with their ticket events). Printed: seconds per sweep at each size and the ratio.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dispatch.calendar_store import seed_calendar_days
from dispatch.supervision import sweep
from hotline.migrate import upgrade
from ticketing.db import Database
from ticketing.models import OrgUnit

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def populate(db: Database, size: int, due: int) -> None:
    with db.session() as s:
        platform = OrgUnit(code="CITY", name="平台", kind="city_platform", level=1)
        district = OrgUnit(code="D01", name="区", kind="district", level=2, parent=platform)
        s.add_all([platform, district])
        s.flush()
        seed_calendar_days(s, range(2026, 2027))
        ids = {"p": platform.id, "d": district.id}
    with db.engine.begin() as c:
        c.execute(
            text("""
            INSERT INTO tickets (number, channel, status, ticket_type, grade, title, content, anonymous,
                confidential, callback_requested, holder_unit_id, reopen_count, extra, created_at, updated_at,
                last_event_seq)
            SELECT 'B' || g, 'web_form', 'dispatched', 'complaint', 'normal', '标题', '内容',
                false, false, false,
                :d, 0, '{}'::jsonb, :now - interval '1 day', :now - interval '1 day', 0
            FROM generate_series(1, :n) AS g"""),
            {"n": size, "d": ids["d"], "now": NOW},
        )
        c.execute(
            text("""
            INSERT INTO assignments (ticket_id, unit_id, role, dispatched_by_unit_id, grade, complex, status,
                final, dispatched_at, sign_due_at, reply_due_at, extension_count, next_alarm_at,
                next_alarm_kind, next_alarm_stage)
            SELECT t.id, :d, 'lead', :p, 'normal', false, 'pending', false, :now - interval '1 day',
                :now + interval '30 days', :now + interval '60 days', 0,
                :now + (random() * interval '30 days') + interval '1 minute', 'yellow', 'sign'
            FROM tickets t"""),
            {"d": ids["d"], "p": ids["p"], "now": NOW},
        )
        c.execute(
            text("""
            UPDATE assignments SET next_alarm_at = :now - interval '1 minute'
            WHERE id IN (SELECT id FROM assignments ORDER BY id LIMIT :due)"""),
            {"now": NOW, "due": due},
        )
        c.execute(text("ANALYZE"))


def timed_sweep(url: str, size: int, due: int) -> float:
    upgrade(url)
    db = Database(url)
    started = time.perf_counter()
    populate(db, size, due)
    print(f"  {size:>9,} open assignments generated in {time.perf_counter() - started:.0f} s", flush=True)
    sweep(db, NOW - timedelta(hours=1))  # warm: nothing due yet, caches and plans loaded
    started = time.perf_counter()
    report = sweep(db, NOW)
    elapsed = time.perf_counter() - started
    assert report.fired.get("yellow") == due, report
    db.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--due", type=int, default=200)
    parser.add_argument(
        "--pg-url", help="an empty PostgreSQL server's URL prefix, e.g. postgresql://u@host:5432"
    )
    args = parser.parse_args()
    server = None
    if args.pg_url:

        def url(name: str) -> str:
            return f"{args.pg_url}/{name}"

        def create(name: str) -> None:
            import psycopg

            with psycopg.connect(args.pg_url.replace("+psycopg", "") + "/postgres", autocommit=True) as c:
                c.execute(f"CREATE DATABASE {name}")
    else:
        from tests.support.postgres import PostgresServer

        server = PostgresServer(Path(tempfile.mkdtemp(prefix="hotline-bench-pg-")), durable=True)
        server.start()
        url, create = server.url, server.execute_create
    try:
        results = []
        for size in args.sizes:
            create(f"sweep_{size}")
            seconds = timed_sweep(url(f"sweep_{size}"), size, args.due)
            results.append((size, seconds))
            print(
                f"sweep with {args.due} due alarms among {size:>9,} open assignments: {seconds:.3f} s",
                flush=True,
            )
        (small, t_small), (large, t_large) = results[0], results[-1]
        print(f"ratio {large:,} / {small:,}: {t_large / t_small:.2f} (1.0 = flat)")
    finally:
        if server is not None:
            server.stop()
            shutil.rmtree(server.base_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
