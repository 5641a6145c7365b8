"""Ticket search time at 100k vs 1M tickets, on PostgreSQL (default) or SQLite.

    .venv/bin/python benchmarks/search.py [--db postgresql|sqlite] [--sizes 100000 1000000] [--pg-url URL]
    .venv/bin/python benchmarks/search.py --db sqlite --sizes 100000 --compare-trigram

Tickets are bulk-inserted (COPY on PostgreSQL, executemany on SQLite) with texts from the demo
templates and random places, and their index rows written the same way; the database grows from the
first size to the next, and the index is rebuilt and ANALYZEd before each measurement. Each query
runs through the real list code (`dispatch.ticket_listing`: scoping, filters, search, the page
plan) as `GET /api/tickets` does — the count and the first page of 20 full rows — as the median
of several runs.
Printed: milliseconds per query at each size, and the ratio to the first size, beside the ratio of a
baseline measured in the same run (a ticket by number, which is an index lookup and should stay flat).
`--compare-trigram` also times SQLite's built-in trigram tokenizer on the same texts.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dispatch.operators import Operator
from dispatch.ticket_listing import TicketFilters, conditions, page
from hotline.migrate import upgrade
from tests.support.postgres import bench_database
from ticketing.db import Database
from ticketing.demo.reference_seed import seed_catalogue, seed_org_tree
from ticketing.demo.ticket_texts import TEMPLATES
from ticketing.fulltext import tsvector_literal
from ticketing.models import OrgUnit, Ticket
from ticketing.search_terms import document_terms

START = datetime(2025, 1, 1, tzinfo=UTC)
RARE_PLACE = "翡翠湾花园"  # in one ticket of RARE_EVERY: a query with few hits
RARE_EVERY = 10_000
ROADS = "人民 解放 建设 中山 青年 和平 新华 胜利 长江 黄河 文化 光明 幸福 团结 友谊".split()  # noqa: SIM905
COMPOUNDS = "柳湾 白沙 青石 金桥 银河 锦绣 碧水 枫林 梧桐 阳光 东方 明珠 凤凰 书香 海棠".split()  # noqa: SIM905
COLUMNS = [
    "number",
    "channel",
    "status",
    "ticket_type",
    "grade",
    "category_code",
    "title",
    "content",
    "address",
    "holder_unit_id",
    "anonymous",
    "confidential",
    "callback_requested",
    "reopen_count",
    "extra",
    "created_at",
    "updated_at",
    "last_event_seq",
]
RUNS = 7


def ticket_rows(first: int, count: int, units: list[int], seed: int) -> Iterator[tuple]:
    rng = random.Random(seed)
    statuses = ["closed"] * 6 + ["dispatched", "in_progress", "registered", "replied"]
    for n in range(first, first + count):
        template = rng.choice(TEMPLATES)
        place = RARE_PLACE if n % RARE_EVERY == 7 else f"{rng.choice(COMPOUNDS)}小区"
        address = f"云溪区{rng.choice(ROADS)}路{rng.randint(1, 999)}号{place}"
        content = template.content.format(
            address=address, place=place, days=rng.randint(2, 30), time="晚上十点"
        )
        created = START + timedelta(seconds=n * 60)
        yield (
            f"{created:%Y%m%d}{n % 1_000_000:06d}",  # the real 14-digit form; unique (a minute apart)
            "phone_agent",
            rng.choice(statuses),
            template.ticket_type,
            "normal",
            template.category_code,
            template.title,
            content,
            address,
            rng.choice(units),
            False,
            False,
            False,
            0,
            "{}",
            created,
            created,
            1,
        )


def prepare(db: Database) -> tuple[list[int], int, int]:
    with db.session() as s:
        seed_org_tree(s)
        seed_catalogue(s)
    with db.read_session() as s:
        units = dict(s.execute(select(OrgUnit.id, OrgUnit.kind)).all())
    platform = next(u for u, kind in units.items() if kind == "city_platform")
    street = min(u for u, kind in units.items() if kind == "street")
    return list(units), platform, street


def insert_postgresql(db: Database, rows: Iterator[tuple]) -> None:
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY tickets ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute("DROP INDEX IF EXISTS ix_ticket_search_terms")
        last = 0
        while True:
            cursor.execute(
                "SELECT id, number, title, address, content FROM tickets t WHERE id > %s AND NOT EXISTS "
                "(SELECT 1 FROM ticket_search s WHERE s.ticket_id = t.id) ORDER BY id LIMIT 20000",
                (last,),
            )
            batch = cursor.fetchall()
            if not batch:
                break
            with cursor.copy("COPY ticket_search (ticket_id, terms) FROM STDIN") as copy:
                for ticket_id, *fields in batch:
                    copy.write_row((ticket_id, tsvector_literal(document_terms(*fields))))
            last = batch[-1][0]
        cursor.execute("CREATE INDEX ix_ticket_search_terms ON ticket_search USING gin (terms)")
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def insert_sqlite(db: Database, rows: Iterator[tuple]) -> None:
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN")
        placeholders = ", ".join("?" for _ in COLUMNS)
        cursor.executemany(
            f"INSERT INTO tickets ({', '.join(COLUMNS)}) VALUES ({placeholders})",
            ((*row[:-3], row[-3].isoformat(" ")[:26], row[-2].isoformat(" ")[:26], row[-1]) for row in rows),
        )
        last = cursor.execute("SELECT coalesce(max(rowid), 0) FROM ticket_search").fetchone()[0]
        batch = cursor.execute(
            "SELECT id, number, title, address, content FROM tickets WHERE id > ? ORDER BY id", (last,)
        ).fetchall()
        cursor.executemany(
            "INSERT INTO ticket_search (rowid, terms) VALUES (?, ?)",
            ((ticket_id, " ".join(document_terms(*fields))) for ticket_id, *fields in batch),
        )
        cursor.execute("COMMIT")
        cursor.execute("INSERT INTO ticket_search (ticket_search) VALUES ('optimize')")
        cursor.execute("ANALYZE")
    finally:
        raw.close()


def median_ms(work: Callable[[], object]) -> float:
    work()  # warm the caches and the plan
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def list_page(db: Database, operator: Operator, filters: TicketFilters) -> Callable[[], tuple[int, int]]:
    def run() -> tuple[int, int]:
        with db.read_session() as s:
            where = conditions(s, operator, filters)
            total = s.scalar(select(func.count()).select_from(Ticket).where(*where)) or 0
            rows = list(s.execute(page(where, matches_count=total, offset=0, limit=20)).scalars())
        return total, len(rows)

    return run


def measure(db: Database, platform: int, street: int, number: str) -> dict[str, tuple[float, int]]:
    everyone = Operator(None, platform, "dispatcher", "bench", "city_platform")
    scoped = Operator(None, street, "dispatcher", "bench", "street")
    cases = {
        "baseline: ticket by number (index lookup)": (everyone, TicketFilters(q="")),
        "q=翡翠 (2 chars, rare)": (everyone, TicketFilters(q="翡翠")),
        "q=噪音 (2 chars, uncommon)": (everyone, TicketFilters(q="噪音")),
        "q=停车 (2 chars, common)": (everyone, TicketFilters(q="停车")),
        "q=翡翠湾花园 (phrase, rare)": (everyone, TicketFilters(q=RARE_PLACE)),
        "q=物业 + status=registered": (everyone, TicketFilters(q="物业", statuses=("registered",))),
        "q=路灯, street-scoped operator": (scoped, TicketFilters(q="路灯")),
        "q=<number> (full-text)": (everyone, TicketFilters(q=number)),
        "no q, first page of everything": (everyone, TicketFilters()),
    }
    results = {}
    for name, (operator, filters) in cases.items():
        if name.startswith("baseline"):

            def by_number() -> object:
                with db.read_session() as s:
                    return s.execute(select(Ticket.id).where(Ticket.number == number)).scalar_one()

            results[name] = (median_ms(by_number), 1)
        else:
            run = list_page(db, operator, filters)
            results[name] = (median_ms(run), run()[0])
    return results


def compare_trigram(db: Database) -> None:
    """SQLite only: the built-in trigram tokenizer on the same texts, against our bigram table."""
    path = db.engine.url.database
    assert path
    with sqlite3.connect(path) as c:
        before = Path(path).stat().st_size
        c.execute("CREATE VIRTUAL TABLE IF NOT EXISTS tri USING fts5(doc, tokenize='trigram')")
        c.execute("DELETE FROM tri")
        started = time.perf_counter()
        c.execute(
            "INSERT INTO tri (rowid, doc) "
            "SELECT id, number || ' ' || title || ' ' || coalesce(address, '') || ' ' || content FROM tickets"
        )
        c.commit()
        built = time.perf_counter() - started
        c.execute("VACUUM")
        print(
            f"  trigram table built in {built:.0f} s, "
            f"file grew {(Path(path).stat().st_size - before) / 2**20:.0f} MB"
        )
        bigram_pages = c.execute("SELECT count(*) FROM ticket_search_data").fetchone()[0]
        print(f"  bigram index: {bigram_pages} FTS5 data blocks (terms are stored too)")
        for query in ("翡翠", "噪音", "停车", "翡翠湾花园"):
            phrase = " ".join(query[i : i + 2] for i in range(len(query) - 1))
            bigram_sql = ("SELECT count(*) FROM ticket_search WHERE ticket_search MATCH ?", (f'"{phrase}"',))
            if len(query) >= 3:
                tri_sql, how = ("SELECT count(*) FROM tri WHERE tri MATCH ?", (f'"{query}"',)), "MATCH"
            else:  # a trigram index finds nothing for two characters: what is left is a scan
                like = "SELECT count(*) FROM tickets WHERE title || coalesce(address, '') || content LIKE ?"
                tri_sql, how = (like, (f"%{query}%",)), "LIKE scan of tickets"
            counts = [c.execute(*sql).fetchone()[0] for sql in (bigram_sql, tri_sql)]
            bigram = median_ms(lambda sql=bigram_sql: c.execute(*sql).fetchone())
            tri = median_ms(lambda sql=tri_sql: c.execute(*sql).fetchone())
            print(f"  {query:<6} bigram {bigram:8.2f} ms   trigram {tri:8.2f} ms ({how})   matches {counts}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--pg-url", help="an empty PostgreSQL database's URL (default: a throw-away server)")
    parser.add_argument("--compare-trigram", action="store_true", help="SQLite: also time FTS5 trigram")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="hotline-bench-search-"))
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)
        if args.db == "sqlite":
            url = f"sqlite:///{workdir / 'search.db'}"
        else:
            url = cleanup.enter_context(bench_database("search_bench", args.pg_url))
        upgrade(url)
        db = Database(url)
        units, platform, street = prepare(db)
        insert = insert_postgresql if args.db == "postgresql" else insert_sqlite
        results: list[tuple[int, dict[str, tuple[float, int]]]] = []
        have = 0
        for size in sorted(args.sizes):
            started = time.perf_counter()
            insert(db, ticket_rows(have, size - have, units, seed=size))
            have = size
            print(
                f"{size:>9,} tickets on {args.db}: "
                f"generated and indexed in {time.perf_counter() - started:.0f} s"
            )
            with db.read_session() as s:
                number = s.execute(select(Ticket.number).order_by(Ticket.id.desc()).limit(1)).scalar_one()
            results.append((size, measure(db, platform, street, number)))
            if args.compare_trigram and args.db == "sqlite":
                compare_trigram(db)
        first_size, first = results[0]
        header = "".join(f"{size:>16,}" for size, _ in results)
        print(f"\n{'query (count + first page of 20; median ms, matches)':<48}{header}   ratio")
        for name in first:
            cells = "".join(f"{r[name][0]:>9.1f} {r[name][1]:>6}" for _, r in results)
            ratio = results[-1][1][name][0] / max(first[name][0], 1e-6)
            print(f"{name:<48}{cells}   {ratio:5.1f}x")
        print(
            f"(ratio: {results[-1][0]:,} vs {first_size:,} tickets; "
            f"the data grew {results[-1][0] / first_size:.0f}x)"
        )
        db.dispose()


if __name__ == "__main__":
    main()
