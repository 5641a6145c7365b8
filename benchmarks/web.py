"""The agent's key calls under load: p50/p99 of the ticket page, search and intake with 50 concurrent
clients, on PostgreSQL holding 100k and then 1M tickets; and search time at 100k vs 1M.

    .venv/bin/python benchmarks/web.py [--sizes 100000 1000000] [--clients 50] [--seconds 20]
                                       [--web-processes 1 2]

The server is real `hotline web` processes sharing one port (SO_REUSEPORT, as `hotline up` runs
`web_processes` of them; each count in --web-processes is measured in turn, and its throughput printed
as a ratio to the first count's) on a private PostgreSQL and
redis-server; tickets are bulk-loaded the way benchmarks/search.py loads them (with their search
index). Every client logs in as an agent and loops over a mix: 60 % ticket page (`GET
/api/tickets/{id}`), 30 % search (`GET /api/tickets?q=` two-character and phrase queries), 10 % intake
(`POST /api/tickets`). The baseline, measured in the same run under the same load, is `GET /healthz`
(one database and one Redis round trip): each call's p50 is also printed as a ratio to it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path

import aiohttp
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search import insert_postgresql, prepare, ticket_rows

from hotline.migrate import upgrade
from hotline.processes import listens_on
from hotline.redis_process import RedisProcess
from tests.support.postgres import bench_database
from ticketing.db import Database
from ticketing.models import Ticket, User
from ticketing.passwords import hash_password

PASSWORD = "bench-password-1"
QUERIES = ("路灯", "噪音", "停车", "漏水", "翡翠湾花园", "垃圾清运", "物业", "施工扰民")
MIX = (("ticket page", 0.6), ("search", 0.3), ("intake", 0.1))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def add_agents(db: Database, platform: int, count: int) -> None:
    """One agent per client, as on a real floor (intake and agent state are per agent)."""
    password_hash = hash_password(PASSWORD)
    with db.session() as s:
        for n in range(count):
            s.add(
                User(
                    username=f"bench.agent{n}",
                    display_name=f"压测座席{n}",
                    role="agent",
                    unit_id=platform,
                    password_hash=password_hash,
                )
            )


def start_web(url: str, redis_url: str, data_dir: Path, processes: int) -> tuple[list[subprocess.Popen], str]:
    port = free_port()
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_REDIS_URL": redis_url,
        "HOTLINE_DATA_DIR": str(data_dir),
        "HOTLINE_WEB_PORT": str(port),
        "HOTLINE_RATE_LOGIN_PER_MINUTE": "100000",
        "HOTLINE_LOG_LEVEL": "WARNING",
    }
    started = [
        subprocess.Popen([sys.executable, "-m", "hotline.cli", "web"], env=env) for _ in range(processes)
    ]
    for _ in range(300):
        if all(listens_on(process.pid, port) for process in started):
            return started, f"http://127.0.0.1:{port}"
        time.sleep(0.1)
    for process in started:
        process.kill()
    raise RuntimeError("hotline web did not start")


async def logged_in(base: str, seed: int) -> tuple[aiohttp.ClientSession, dict[str, str]]:
    http = aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True))
    login = await http.post("/api/session", json={"username": f"bench.agent{seed}", "password": PASSWORD})
    login.raise_for_status()
    return http, {"X-CSRF-Token": (await login.json())["csrf_token"]}


async def client_loop(
    http: aiohttp.ClientSession,
    headers: dict[str, str],
    ids: tuple[int, int],
    until: float,
    seed: int,
    timings: dict[str, list[float]],
) -> None:
    rng = random.Random(seed)
    while time.perf_counter() < until:
        kind = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
        if rng.random() < 0.1:
            kind = "baseline /healthz"
        started = time.perf_counter()
        if kind == "ticket page":
            response = await http.get(f"/api/tickets/{rng.randint(*ids)}")
        elif kind == "search":
            response = await http.get("/api/tickets", params={"q": rng.choice(QUERIES), "per_page": 20})
        elif kind == "intake":
            response = await http.post(
                "/api/tickets",
                headers=headers,
                json={
                    "content": f"压测来电：{rng.choice(QUERIES)}问题，地址人民路{rng.randint(1, 999)}号",
                    "contact_phone": f"139{rng.randrange(10**8):08d}",
                },
            )
        else:
            response = await http.get("/healthz")
        await response.read()
        if response.status >= 400:
            raise RuntimeError(f"{kind}: HTTP {response.status} {await response.text()}")
        timings[kind].append((time.perf_counter() - started) * 1000)


async def load(base: str, ids: tuple[int, int], clients: int, seconds: float) -> dict[str, list[float]]:
    """Every client logs in first (argon2 is slow on purpose), then the timed mix runs."""
    sessions = await asyncio.gather(*(logged_in(base, n) for n in range(clients)))
    timings: dict[str, list[float]] = defaultdict(list)
    until = time.perf_counter() + seconds
    try:
        loops = (client_loop(http, h, ids, until, n, timings) for n, (http, h) in enumerate(sessions))
        await asyncio.gather(*loops)
    finally:
        for http, _ in sessions:
            await http.close()
    return timings


async def search_alone(base: str) -> float:
    """Median ms of the search queries with nobody else on the server."""
    async with aiohttp.ClientSession(base, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        await http.post("/api/session", json={"username": "bench.agent0", "password": PASSWORD})
        times = []
        for _ in range(3):
            for q in QUERIES:
                started = time.perf_counter()
                response = await http.get("/api/tickets", params={"q": q, "per_page": 20})
                await response.read()
                times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(timings: dict[str, list[float]], seconds: float, search_alone_ms: float) -> float:
    """Prints p50/p99 per call against the /healthz baseline; returns requests per second."""
    floor = statistics.median(timings["baseline /healthz"])
    total = sum(len(v) for v in timings.values())
    print(f"{'call':<20} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'p50/baseline':>13}")
    for kind in [k for k, _ in MIX] + ["baseline /healthz"]:
        values = timings[kind]
        p50 = statistics.median(values)
        print(
            f"{kind:<20} {len(values):>6} {p50:>8.1f} {percentile(values, 0.99):>8.1f} {p50 / floor:>13.2f}"
        )
    print(
        f"throughput {total / seconds:.0f} requests/s; search alone (median) {search_alone_ms:.1f} ms",
        flush=True,
    )
    return total / seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--web-processes", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="hotline-bench-web-"))
    with ExitStack() as cleanup:
        url = cleanup.enter_context(bench_database("web", prefix="hotline-bench-web-pg-"))
        redis_server = RedisProcess(workdir / "redis", port=free_port(), persistent=False)
        redis_server.start()
        cleanup.callback(redis_server.stop)
        upgrade(url)
        db = Database(url)
        _units, platform, _street = prepare(db)
        add_agents(db, platform, args.clients)
        loaded, search_ms = 0, {}
        for size in args.sizes:
            started = time.perf_counter()
            insert_postgresql(db, ticket_rows(loaded + 1, size - loaded, _units, seed=size))
            loaded = size
            with db.read_session() as s:
                low, high = s.execute(select(func.min(Ticket.id), func.max(Ticket.id))).one()
            print(f"\n== {size:,} tickets on PostgreSQL (loaded in {time.perf_counter() - started:.0f} s)")
            first_throughput = None
            for processes in args.web_processes:
                print(
                    f"-- {processes} web process(es), {args.clients} clients for {args.seconds:.0f} s",
                    flush=True,
                )
                workers, base = start_web(url, redis_server.url, workdir / "data", processes)
                try:
                    search_ms[size] = asyncio.run(search_alone(base))
                    timings = asyncio.run(load(base, (low, high), args.clients, args.seconds))
                finally:
                    for worker in workers:
                        worker.terminate()
                        worker.wait(60)
                throughput = report(timings, args.seconds, search_ms[size])
                first_throughput = first_throughput or throughput
                ratio = throughput / first_throughput
                print(f"throughput ratio to {args.web_processes[0]} process(es): {ratio:.2f}")
        if len(args.sizes) > 1:
            small, large = args.sizes[0], args.sizes[-1]
            print(
                f"\nsearch alone {large:,} / {small:,}: {search_ms[large] / search_ms[small]:.2f} "
                f"({search_ms[small]:.1f} → {search_ms[large]:.1f} ms; 1.0 = flat)"
            )
        db.dispose()


if __name__ == "__main__":
    main()
