"""Rating devices under load: evaluations/s accepted from 200 simulated devices and their p99, against
a baseline measured in the same run.

    .venv/bin/python benchmarks/devices.py [--devices 200] [--seconds 20] [--db sqlite|postgresql]

The server is a real `hotline web` process (one, as `hotline up` runs it) on a private database
(SQLite file, or a private PostgreSQL from Debian's binaries) and a private redis-server, with the
device rate limit switched off (all devices share 127.0.0.1). The fleet is `web.device_simulator`,
as `hotline devices simulate` drives it: every device posts ratings back to back (no pause), 5 %
of them 差评 (`--bad-share`; each becomes a ticket through intake) and 5 % replays of delivered
ratings.
The baseline is the same number of clients calling `GET /healthz` (one database and one Redis round
trip) back to back for the same time: the figures to watch are the two ratios.
Finally the database must hold exactly one evaluation per distinct rating.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from contextlib import AbstractContextManager, ExitStack, nullcontext
from pathlib import Path

import aiohttp
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotline.migrate import upgrade
from hotline.redis_process import RedisProcess
from tests.support.ports import free_port
from tests.support.postgres import bench_database
from tests.web.web_process import web_process
from ticketing.db import Database
from ticketing.demo.rating_fleet import register_fleet
from ticketing.demo.reference_seed import seed_org_tree
from ticketing.models import Evaluation
from web.device_simulator import FleetReport, FleetSettings, run_fleet


async def baseline(base: str, clients: int, seconds: float) -> FleetReport:
    """`clients` callers of /healthz back to back, timed like the fleet. Under this load some checks
    exceed the health check's own 3 s limit and answer 503: they are counted (as `failures`)."""
    report = FleetReport()
    async with aiohttp.ClientSession(base, connector=aiohttp.TCPConnector(limit=clients)) as http:
        started = time.perf_counter()
        until = started + seconds

        async def loop() -> None:
            while time.perf_counter() < until:
                begun = time.perf_counter()
                async with http.get("/healthz") as response:
                    await response.read()
                report.latencies_ms.append((time.perf_counter() - begun) * 1000)
                report.new += 1
                report.failures += response.status != 200

        await asyncio.gather(*(loop() for _ in range(clients)))
        report.seconds = time.perf_counter() - started
    return report


def database(kind: str, workdir: Path) -> AbstractContextManager[str]:
    if kind == "sqlite":
        return nullcontext(f"sqlite:///{workdir / 'bench.db'}")
    return bench_database("devices", prefix="hotline-bench-dev-pg-")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--bad-share", type=float, default=0.05, help="share of 差评 (each one a ticket)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="hotline-bench-devices-"))
    with ExitStack() as cleanup:
        url = cleanup.enter_context(database(args.db, workdir))
        redis_server = RedisProcess(workdir / "redis", port=free_port(), persistent=False)
        redis_server.start()
        cleanup.callback(redis_server.stop)
        upgrade(url)
        db = Database(url)
        with db.session() as session:
            seed_org_tree(session)
        with db.session() as session:
            tokens = register_fleet(session, args.devices)
        settings = {"HOTLINE_RATE_DEVICE_PER_MINUTE": "0", "HOTLINE_LOG_LEVEL": "WARNING"}
        with web_process(url, redis_server.url, workdir, settings) as base:
            print(f"{args.devices} devices / clients, {args.seconds:.0f} s each, {args.db}", flush=True)
            floor = asyncio.run(baseline(base, args.devices, args.seconds))
            fleet = asyncio.run(
                run_fleet(
                    base,
                    tokens,
                    FleetSettings(
                        seconds=args.seconds, interval_s=0, bad_share=args.bad_share, replay_share=0.05
                    ),
                )
            )
        with db.read_session() as session:
            stored = session.scalar(select(func.count()).select_from(Evaluation))
        db.dispose()
        print(f"{'':<22} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8}")
        for name, report in (("baseline GET /healthz", floor), ("device evaluations", fleet)):
            print(
                f"{name:<22} {report.accepted_per_s:>8.1f} {report.percentile(0.5):>8.1f} "
                f"{report.percentile(0.99):>8.1f}"
            )
        print(
            f"evaluations/s ÷ healthz/s = {fleet.accepted_per_s / floor.accepted_per_s:.2f}; "
            f"p99 ÷ healthz p99 = {fleet.percentile(0.99) / floor.percentile(0.99):.2f}"
        )
        print(f"baseline answers that were 503 (health check over its 3 s limit): {floor.failures}")
        print(fleet.summary())
        verdict = "OK" if stored == fleet.new else "MISMATCH"
        print(f"stored evaluations {stored}, new ratings accepted {fleet.new}: {verdict}")


if __name__ == "__main__":
    main()
