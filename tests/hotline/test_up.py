"""`hotline up` as an operator runs it: real redis-server, real workers, real web, real signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.ports import free_port

pytestmark = pytest.mark.slow


def children_of(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def command_of(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def get_health(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def wait_for(predicate, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = predicate()
        except OSError:
            result = None
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Instance:
    def __init__(self, tmp_path: Path, name: str) -> None:
        self.data_dir = tmp_path / name
        self.port = free_port()
        env = {**os.environ, "HOTLINE_DATA_DIR": str(self.data_dir), "HOTLINE_WEB_PORT": str(self.port),
               # Free SIP ports: other test runs on this box may hold 5060 and the default worker ports.
               "HOTLINE_SIP_PORT": str(free_port()), "HOTLINE_TELEPHONY_BASE_PORT": str(free_port()),
               "HOTLINE_TELEPHONY_WORKERS": "1"}
        env.pop("HOTLINE_REDIS_URL", None)
        env.pop("HOTLINE_DATABASE_URL", None)
        self.log_path = tmp_path / f"{name}.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", "up"], env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def announced(self) -> bool:
        return b"hotline up:" in (self.log_path.read_bytes() if self.log_path.exists() else b"")

    def healthy(self) -> dict:
        status, body = get_health(self.port)
        return body if status == 200 else {}

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout=30)
        self.log.close()
        return code


def test_up_serves_health_restarts_a_dead_child_and_stops_everything(tmp_path):
    instance = Instance(tmp_path, "a")
    try:
        body = wait_for(instance.healthy, what="healthz 200")
        wait_for(instance.announced, what="every child started")
        assert body["database"] == {"ok": True, "backend": "sqlite"}
        assert body["redis"] == {"ok": True}
        assert (instance.data_dir / "hotline.db").exists()
        assert (instance.data_dir / "redis" / "redis.sock").exists()

        children = children_of(instance.process.pid)
        names = {pid: command_of(pid) for pid in children}
        assert any("redis-server" in c for c in names.values())
        assert any(c.endswith("hotline.cli worker ") for c in names.values())
        assert any(c.startswith("/usr/sbin/kamailio ") for c in names.values())
        assert any(c.endswith("hotline.cli telephony --worker 1 ") for c in names.values())
        (web_pid,) = [pid for pid, c in names.items() if c.endswith("hotline.cli web ")]

        os.kill(web_pid, signal.SIGKILL)
        wait_for(lambda: not alive(web_pid), 10, "web to die")
        wait_for(instance.healthy, 30, "web to be restarted")
        assert web_pid not in children_of(instance.process.pid)
    finally:
        children = children_of(instance.process.pid)
        code = instance.stop()
    assert code == 0
    for pid in children:
        wait_for(lambda pid=pid: not alive(pid), 15, f"child {pid} to stop")


def test_health_reports_redis_down_as_degraded(tmp_path):
    instance = Instance(tmp_path, "b")
    try:
        wait_for(instance.healthy, what="healthz 200")
        redis_pid = next(p for p in children_of(instance.process.pid) if "redis-server" in command_of(p))
        os.kill(redis_pid, signal.SIGSTOP)  # frozen, not dead: the supervisor must not mask it
        try:
            status, body = get_health(instance.port)
            assert status == 503
            assert body["status"] == "degraded" and body["redis"]["ok"] is False
            assert body["database"]["ok"] is True
        finally:
            os.kill(redis_pid, signal.SIGCONT)
        wait_for(instance.healthy, 15, "recovery")
    finally:
        instance.stop()


def test_two_instances_run_side_by_side(tmp_path):
    first, second = Instance(tmp_path, "one"), Instance(tmp_path, "two")
    try:
        wait_for(first.healthy, what="first")
        wait_for(second.healthy, what="second")
        assert first.port != second.port
    finally:
        assert first.stop() == 0
        assert second.stop() == 0
