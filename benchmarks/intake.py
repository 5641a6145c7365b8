"""Intake throughput against a raw INSERT baseline, in the same run, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/intake.py [--tickets 2000] [--pg-url URL]

The baseline writes the same rows intake writes for a ticket (citizen, counter, ticket, first event),
one transaction per ticket, with SQLAlchemy Core and no checks. Intake does all its work: validation,
phone normalisation, idempotency, citizen history, duplicate search, numbering. The ratio
intake/raw is the figure to watch (target ≥ 0.5). Without --pg-url a private PostgreSQL server is
started from Debian's binaries (as in the test suite).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotline.migrate import upgrade
from ticketing.db import Database
from ticketing.demo.reference_seed import seed_catalogue, seed_org_tree
from ticketing.demo.ticket_texts import TEMPLATES
from ticketing.intake import submit
from ticketing.models import Citizen, OrgUnit, Ticket, TicketEvent, TicketNumberCounter
from ticketing.submission import Submission

START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def make_submissions(count: int, community_codes: list[str]) -> list[Submission]:
    rng = random.Random(7)
    phones = [f"139{rng.randrange(10**8):08d}" for _ in range(count // 3 + 1)]
    subs = []
    for i in range(count):
        template = rng.choice(TEMPLATES)
        subs.append(
            Submission(
                channel="phone_agent",
                content=template.content.format(
                    address="云溪区人民路8号", place="柳湾小区", days=3, time="晚上十点"
                ),
                title=template.title,
                ticket_type=template.ticket_type,
                category_code=template.category_code,
                contact_phone=rng.choice(phones),
                contact_name="王先生",
                area_code=rng.choice(community_codes),
                idempotency_key=f"bench-{i}",
            )
        )
    return subs


def prepare(url: str) -> tuple[Database, list[str], dict[str, int]]:
    upgrade(url)
    db = Database(url)
    with db.session() as session:
        seed_org_tree(session)
        seed_catalogue(session)
    with db.read_session() as session:
        rows = session.execute(select(OrgUnit.code, OrgUnit.id).where(OrgUnit.kind == "community")).all()
    return db, [code for code, _ in rows], dict(rows)


def run_intake(db: Database, subs: list[Submission]) -> None:
    for i, sub in enumerate(subs):
        submit(db, sub, now=START + timedelta(seconds=i))


def run_raw(db: Database, subs: list[Submission], unit_ids: dict[str, int], citizens: dict[str, int]) -> None:
    dialect_insert = postgresql.insert if db.dialect == "postgresql" else sqlite.insert
    counter = TicketNumberCounter.__table__
    for i, sub in enumerate(subs):
        moment = START + timedelta(seconds=i)
        with db.engine.begin() as connection:
            phone = "+86" + (sub.contact_phone or "")
            citizen_id = citizens.get(phone)
            if citizen_id is None:
                citizen_id = connection.execute(
                    insert(Citizen)
                    .values(
                        phone_e164=phone, name=sub.contact_name, created_at=moment, callback_opt_out=False
                    )
                    .returning(Citizen.id)
                ).scalar_one()
                citizens[phone] = citizen_id
            seq = connection.execute(
                dialect_insert(counter)
                .values(day=moment.date(), last_value=1)
                .on_conflict_do_update(
                    index_elements=[counter.c.day], set_={"last_value": counter.c.last_value + 1}
                )
                .returning(counter.c.last_value)
            ).scalar_one()
            ticket_id = connection.execute(
                insert(Ticket)
                .values(
                    number=f"R{moment:%Y%m%d}{seq:06d}",
                    channel=sub.channel,
                    idempotency_key=sub.idempotency_key,
                    status="registered",
                    ticket_type=sub.ticket_type or "consultation",
                    grade="normal",
                    category_code=sub.category_code,
                    title=sub.title or "",
                    content=sub.content,
                    citizen_id=citizen_id,
                    contact_name=sub.contact_name,
                    contact_phone=phone,
                    area_unit_id=unit_ids[sub.area_code or ""],
                    anonymous=False,
                    confidential=False,
                    callback_requested=False,
                    reopen_count=0,
                    extra={},
                    created_at=moment,
                    updated_at=moment,
                    last_event_seq=1,
                )
                .returning(Ticket.id)
            ).scalar_one()
            connection.execute(
                insert(TicketEvent).values(
                    ticket_id=ticket_id,
                    seq=1,
                    action="register",
                    to_status="registered",
                    actor_label="bench",
                    created_at=moment,
                    payload={"content": sub.content},
                )
            )


def timed(work: Callable[[], None]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def bench(name: str, make_url: Callable[[str], str], count: int) -> None:
    intake_db, codes, _ = prepare(make_url("intake"))
    raw_db, _, unit_ids = prepare(make_url("raw"))
    warm_up, subs = 50, make_submissions(count + 50, codes)
    run_intake(intake_db, subs[:warm_up])  # connections and caches warmed on both sides alike
    citizens: dict[str, int] = {}  # the baseline knows its citizens' ids: no look-ups
    run_raw(raw_db, subs[:warm_up], unit_ids, citizens)
    subs = subs[warm_up:]
    raw_s = timed(lambda: run_raw(raw_db, subs, unit_ids, citizens))
    intake_s = timed(lambda: run_intake(intake_db, subs))
    raw_rate, intake_rate = count / raw_s, count / intake_s
    print(
        f"{name:<11} raw INSERT {raw_rate:8.0f} tickets/s   intake {intake_rate:8.0f} tickets/s   "
        f"ratio {intake_rate / raw_rate:.2f}"
    )
    intake_db.dispose()
    raw_db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument(
        "--pg-url", help="an empty PostgreSQL server's URL prefix, e.g. postgresql://u@host:5432"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", lambda name: f"sqlite:///{tmp}/{name}.db", args.tickets)
    if args.pg_url:
        import psycopg

        for name in ("intake", "raw"):
            with psycopg.connect(args.pg_url.replace("+psycopg", "") + "/postgres", autocommit=True) as c:
                c.execute(f"CREATE DATABASE bench_{name}")
        bench("PostgreSQL", lambda name: f"{args.pg_url}/bench_{name}", args.tickets)
        return
    from tests.support.postgres import PostgresServer

    base = Path(tempfile.mkdtemp(prefix="hotline-bench-pg-"))
    server = PostgresServer(base, durable=True)
    server.start()
    try:
        for name in ("intake", "raw"):
            server.execute(f"CREATE DATABASE bench_{name}")
        bench("PostgreSQL", lambda name: server.url(f"bench_{name}"), args.tickets)
    finally:
        server.stop()
        shutil.rmtree(server.base_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
