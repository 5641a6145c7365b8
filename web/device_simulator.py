"""A fleet of simulated rating devices (评价器) speaking the real device API over HTTP, for demos and
load tests (`hotline devices simulate`, benchmarks/devices.py).

Each device does what a real one does: fetches its config, sends heartbeats, and posts ratings with
an idempotency key of its own. Like a real device it buffers ratings it could not deliver (network
down, server busy) and replays the buffer later; `replay_share` makes it also re-send ratings that
were already delivered, as a device does that lost the acknowledgement — the server must keep one
record each. Only the aiohttp client is used: nothing here touches the database.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from ticketing.evaluations import BAD_REASONS, GOOD_REASONS

LOCAL = ZoneInfo("Asia/Shanghai")
# Observed 好差评 mixes are overwhelmingly positive; `bad_share` sets the 差评 part.
GOOD_LEVELS = (("非常满意", 0.6), ("满意", 0.3), ("基本满意", 0.1))
BAD_LEVELS = ("不满意", "非常不满意")
SERVICE_ITEMS = ("社保卡补办", "居住证办理", "营业执照变更", "不动产登记", "公积金提取", "医保报销")
HEARTBEAT_EVERY = 50  # ratings between heartbeats


@dataclass
class FleetReport:
    seconds: float = 0.0
    new: int = 0  # 201: a rating recorded
    replays: int = 0  # 200: a rating the server already had
    bad: int = 0  # 差评 sent (each one a ticket)
    failures: int = 0  # network errors and 5xx, buffered for a later try
    refused: dict[int, int] = field(default_factory=dict)  # 4xx by status
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def accepted_per_s(self) -> float:
        return (self.new + self.replays) / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0

    def summary(self) -> str:
        refused = ", ".join(f"{status}×{n}" for status, n in sorted(self.refused.items())) or "无"
        return (
            f"{self.seconds:.1f} 秒：新评价 {self.new}，重复上报 {self.replays}（其中差评 {self.bad}），"
            f"网络失败 {self.failures}，被拒 {refused}；"
            f"{self.accepted_per_s:.1f} 条/秒，"
            f"p50 {self.percentile(0.5):.1f} ms，p99 {self.percentile(0.99):.1f} ms"
        )


@dataclass(frozen=True)
class FleetSettings:
    seconds: float = 30.0
    interval_s: float = 1.0  # pause between a device's ratings (0: as fast as the server answers)
    bad_share: float = 0.05
    replay_share: float = 0.05  # ratings re-sent after delivery (lost acknowledgements)
    seed: int = 12345


class SimulatedDevice:
    def __init__(self, http: aiohttp.ClientSession, token: str, number: int, settings: FleetSettings) -> None:
        self.http, self.number, self.settings = http, number, settings
        self.headers = {"Authorization": f"Bearer {token}"}
        self.rng = random.Random(settings.seed * 1000 + number)
        self.buffer: list[dict[str, Any]] = []
        self.delivered: list[dict[str, Any]] = []
        self.sequence = 0

    def _rating(self) -> dict[str, Any]:
        self.sequence += 1
        bad = self.rng.random() < self.settings.bad_share
        if bad:
            level, reasons = self.rng.choice(BAD_LEVELS), self.rng.sample(BAD_REASONS, 2)
        else:
            level = self.rng.choices([lv for lv, _ in GOOD_LEVELS], [w for _, w in GOOD_LEVELS])[0]
            reasons = self.rng.sample(GOOD_REASONS, 1)
        return {
            "level": level,
            "reasons": reasons,
            "service_item": self.rng.choice(SERVICE_ITEMS),
            "rated_at": datetime.now(LOCAL).isoformat(),
            "idempotency_key": f"sim-{self.number}-{self.settings.seed}-{self.sequence}",
        }

    async def _post(self, rating: dict[str, Any], report: FleetReport) -> bool:
        """True when the server has the rating (new or replayed); False keeps it in the buffer."""
        started = time.perf_counter()
        try:
            async with self.http.post(
                "/device/v1/evaluations", json=rating, headers=self.headers
            ) as response:
                await response.read()
                status = response.status
        except (TimeoutError, aiohttp.ClientError):
            report.failures += 1
            return False
        report.latencies_ms.append((time.perf_counter() - started) * 1000)
        if status >= 500:
            report.failures += 1
            return False
        if status in (200, 201):
            report.new += status == 201
            report.replays += status == 200
            report.bad += status == 201 and rating["level"] in BAD_LEVELS
            return True
        report.refused[status] = report.refused.get(status, 0) + 1
        return status != 429  # a 429 is retried later; any other refusal is final

    async def _heartbeat(self) -> None:
        status = {"buffered": len(self.buffer), "sent": self.sequence, "app": "simulator"}
        try:
            async with self.http.post("/device/v1/heartbeat", json=status, headers=self.headers) as response:
                await response.read()
        except (TimeoutError, aiohttp.ClientError):
            pass

    async def run(self, until: float, report: FleetReport) -> None:
        async with self.http.get("/device/v1/config", headers=self.headers) as response:
            response.raise_for_status()
        while time.perf_counter() < until:
            if self.sequence % HEARTBEAT_EVERY == 0:
                await self._heartbeat()
            if self.delivered and self.rng.random() < self.settings.replay_share:
                rating = self.rng.choice(self.delivered)
            else:
                rating = self._rating()
            await self._deliver([*self.buffer, rating], report)  # the offline buffer first, oldest first
            if self.settings.interval_s:
                await asyncio.sleep(self.rng.uniform(0.5, 1.5) * self.settings.interval_s)
        await self._deliver(self.buffer, report)  # what is left, as a device does when back online

    async def _deliver(self, queue: list[dict[str, Any]], report: FleetReport) -> None:
        """Send in order; at the first failure the rest stays buffered for the next round."""
        self.buffer = []
        for index, pending in enumerate(queue):
            if not await self._post(pending, report):
                self.buffer = queue[index:]
                return
            self.delivered = [*self.delivered[-99:], pending]


async def run_fleet(base_url: str, tokens: Sequence[str], settings: FleetSettings) -> FleetReport:
    """Every device in its own task on one connection pool, until `settings.seconds` have passed."""
    report = FleetReport()
    connector = aiohttp.TCPConnector(limit=len(tokens) or 1)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeout) as http:
        started = time.perf_counter()
        until = started + settings.seconds
        devices = [SimulatedDevice(http, token, n, settings) for n, token in enumerate(tokens)]
        await asyncio.gather(*(device.run(until, report) for device in devices))
        report.seconds = time.perf_counter() - started
    return report
