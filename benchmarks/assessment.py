"""A month's assessment KPIs for all units at 100k vs 1M tickets, on PostgreSQL.

    .venv/bin/python benchmarks/assessment.py [--sizes 100000 1000000] [--pg-url URL] [--month 2026-06]

Each batch of tickets spreads evenly over twelve months in time order, as a live database fills
(the 1M run is the 100k run plus 900k more over the same year), so the measured month holds 1/12 of
them at every size. Each ticket gets a lead assignment at a street or city department and the
events a handled ticket has (register, dispatch, sign, reply, close, a callback for most), with
some late signs and replies, returns, reopenings, approved extensions, 差评 tickets and upheld
appeals — all written by set-based INSERT … SELECT over generate_series, so 1M tickets take a
minute or two, not hours. The database grows from the first size to the next and is VACUUM ANALYZEd.

Printed: the median time of `dispatch.assessment.assess` for the month (every unit's figures,
ranked, with the exclusions) at each size, and of the dashboard's other figures; beside them a
baseline measured in the same run (counting the month's tickets by the created_at index), with
the ratios between sizes. Target: ≤ 2 s at 1M tickets.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dispatch.assessment import assess
from dispatch.assessment_period import month_period
from dispatch.call_figures import call_figures
from dispatch.dashboard_figures import daily_volume, hotspots, survey_results
from dispatch.policy import load_policy
from hotline.migrate import upgrade
from tests.support.postgres import bench_database
from ticketing.db import Database
from ticketing.demo.reference_seed import seed_catalogue, seed_org_tree
from ticketing.models import OrgUnit, Ticket

START = "2025-12-01 00:00:00+08"
YEAR_SECONDS = 365 * 86400
RUNS = 5

TICKETS = """
INSERT INTO tickets (number, channel, status, ticket_type, grade, category_code, title, content,
    holder_unit_id, area_unit_id, anonymous, confidential, callback_requested, reopen_count, extra,
    created_at, updated_at, closed_at, last_event_seq)
SELECT lpad(g::text, 14, '0'),
       CASE WHEN g % 40 = 0 THEN 'rating_device' ELSE 'phone_agent' END,
       'visited', 'complaint', 'normal', NULL, '路灯不亮', '小区路灯不亮，晚上出行不便。',
       :platform, (CAST(:areas AS int[]))[1 + g % cardinality(CAST(:areas AS int[]))],
       false, false, false, 0, '{}',
       c, c, c + interval '2 days 1 hour', 6
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g,
     LATERAL (SELECT CAST(:start AS timestamptz)
                     + ((g - :first) * :year / (:last - :first + 1)) * interval '1 second' AS c) AS t
"""
# One lead assignment per ticket: 1 in 10 signed late, 1 in 8 replied late.
ASSIGNMENTS = """
INSERT INTO assignments (ticket_id, unit_id, role, dispatched_by_unit_id, grade, complex, status, final,
    dispatched_at, sign_due_at, signed_at, reply_due_at, replied_at, ended_at, extension_count)
SELECT t.id, (CAST(:leads AS int[]))[1 + t.id % cardinality(CAST(:leads AS int[]))],
       'lead', :platform, 'normal', false, 'accepted', false,
       t.created_at + interval '1 hour', t.created_at + interval '25 hours',
       t.created_at + CASE WHEN t.id % 10 = 3 THEN interval '30 hours' ELSE interval '2 hours' END,
       t.created_at + interval '5 days',
       t.created_at + CASE WHEN t.id % 8 = 5 THEN interval '6 days' ELSE interval '2 days' END,
       t.created_at + interval '2 days 1 hour', CASE WHEN t.id % 30 = 2 THEN 1 ELSE 0 END
FROM tickets t WHERE t.id > :after
"""
EVENTS = """
INSERT INTO ticket_events (ticket_id, seq, action, from_status, to_status, actor_label, created_at, payload)
SELECT t.id, e.seq, e.action, e.from_status, e.to_status, 'bench', t.created_at + e.offset_, e.payload
FROM tickets t JOIN assignments a ON a.ticket_id = t.id
CROSS JOIN LATERAL (VALUES
    (1, 'register', NULL, 'registered', interval '0', '{}'::jsonb),
    (2, 'dispatch', 'registered', 'dispatched', interval '1 hour',
        jsonb_build_object('assignment_id', a.id, 'holder_unit_id', a.unit_id)),
    (3, 'sign', 'dispatched', 'in_progress', a.signed_at - t.created_at,
        jsonb_build_object('assignment_id', a.id, 'unit_id', a.unit_id)),
    (4, 'reply', 'in_progress', 'replied', a.replied_at - t.created_at,
        jsonb_build_object('assignment_id', a.id, 'unit_id', a.unit_id, 'text', '已处理', 'resolved', true)),
    (5, 'close', 'replied', 'closed', interval '2 days 1 hour',
        jsonb_build_object('assignment_id', a.id, 'reply', '已处理', 'resolved', true)),
    (6, CASE WHEN t.id % 5 = 4 THEN 'survey_unreachable' ELSE 'record_visit' END, 'closed',
        CASE WHEN t.id % 5 = 4 THEN 'closed' ELSE 'visited' END, interval '3 days',
        jsonb_build_object('resolved', t.id % 7 <> 0, 'attempts', 1, 'method', 'phone',
            'satisfaction',
            (ARRAY['satisfied', 'satisfied', 'basically_satisfied', 'unsatisfied'])[1 + t.id % 4])),
    (7, CASE WHEN t.id % 80 = 0 THEN 'decide_appeal' WHEN t.id % 20 = 0 THEN 'return'
             WHEN t.id % 50 = 1 THEN 'reopen'
             WHEN t.id % 30 = 2 THEN 'decide_extension' ELSE NULL END,
        'visited', 'visited', interval '4 days',
        jsonb_build_object('from_unit_id', a.unit_id, 'assignment_id', a.id, 'approved', true,
            'upheld', true, 'note', '申诉成立'))
) AS e(seq, action, from_status, to_status, offset_, payload)
WHERE t.id > :after AND e.action IS NOT NULL
"""


def median_s(work: Callable[[], object]) -> float:
    work()  # warm the caches and the plans
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def grow(db: Database, first: int, last: int, platform: int, areas: list[int], leads: list[int]) -> None:
    with db.engine.begin() as c:
        after = c.execute(select(func.coalesce(func.max(Ticket.id), 0))).scalar_one()
        params = {"platform": platform, "areas": areas, "leads": leads, "start": START, "year": YEAR_SECONDS}
        c.execute(text(TICKETS), {**params, "first": first, "last": last})
        c.execute(text(ASSIGNMENTS), {**params, "after": after})
        c.execute(text(EVENTS), {"after": after})
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("VACUUM ANALYZE"))  # what autovacuum keeps up on a live database


def measure(db: Database, month: str) -> dict[str, float]:
    period = month_period(month)
    as_of = datetime(2027, 1, 1, tzinfo=UTC)

    def baseline() -> object:
        with db.read_session() as s:
            return s.scalar(
                select(func.count()).where(Ticket.created_at >= period.start, Ticket.created_at < period.end)
            )

    def kpis() -> object:
        with db.read_session() as s:
            return assess(s, period, load_policy(s), as_of)

    def dashboard_rest() -> object:
        with db.read_session() as s:
            return (
                daily_volume(s, period),
                hotspots(s, period),
                survey_results(s, period),
                call_figures(s, period),
            )

    return {
        "baseline: count the month's tickets (index range)": median_s(baseline),
        "assess(): every unit's KPIs, ranked, exclusions": median_s(kpis),
        "dashboard: volume, hotspots, surveys, calls": median_s(dashboard_rest),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--pg-url", help="an empty PostgreSQL database's URL (default: a throw-away server)")
    parser.add_argument("--month", default="2026-06")
    args = parser.parse_args()
    with bench_database("assessment_bench", args.pg_url) as url:
        upgrade(url)
        db = Database(url)
        with db.session() as s:
            seed_org_tree(s)
            seed_catalogue(s)
        with db.read_session() as s:
            units = dict(s.execute(select(OrgUnit.id, OrgUnit.kind)).all())
        platform = next(u for u, kind in units.items() if kind == "city_platform")
        leads = sorted(u for u, kind in units.items() if kind in ("street", "city_department"))
        areas = sorted(u for u, kind in units.items() if kind in ("community", "street"))
        results: list[tuple[int, dict[str, float]]] = []
        have = 0
        for size in sorted(args.sizes):
            started = time.perf_counter()
            grow(db, have + 1, size, platform, areas, leads)
            have = size
            print(f"{size:>9,} tickets: generated in {time.perf_counter() - started:.0f} s", flush=True)
            results.append((size, measure(db, args.month)))
        with db.read_session() as s:
            result = assess(s, month_period(args.month), load_policy(s), datetime(2027, 1, 1, tzinfo=UTC))
        print(f"({len(result.units)} units assessed for {args.month}; {len(result.exclusions)} exclusions)")
        first_size, first = results[0]
        header = "".join(f"{size:>14,}" for size, _ in results)
        print(f"\n{'median seconds':<52}{header}   ratio")
        for name in first:
            cells = "".join(f"{r[name]:>14.3f}" for _, r in results)
            ratio = results[-1][1][name] / max(first[name], 1e-9)
            print(f"{name:<52}{cells}   {ratio:5.1f}x")
        grew = results[-1][0] / first_size
        print(f"(ratio: {results[-1][0]:,} vs {first_size:,} tickets; the data grew {grew:.0f}x)")
        db.dispose()


if __name__ == "__main__":
    main()
