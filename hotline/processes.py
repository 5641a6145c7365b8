"""What `hotline up` runs: the list of child processes for the given settings."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from hotline.config import FIELD_TYPES, ConfigError, Settings
from hotline.redis_process import RedisProcess
from hotline.supervisor import ChildSpec

WEB_READY_TIMEOUT_S = 30.0
TELEPHONY_SETTINGS = tuple(
    name for name in FIELD_TYPES if name.startswith(("telephony_", "sip_", "emergency_", "gateway_"))
)


def child_env(settings: Settings) -> dict[str, str]:
    """Resolved settings for children, so each finds the same database and Redis as the supervisor."""
    return {
        "HOTLINE_DATA_DIR": str(settings.data_dir.resolve()),
        "HOTLINE_DATABASE_URL": settings.effective_database_url,
        "HOTLINE_REDIS_URL": settings.effective_redis_url,
        "HOTLINE_WEB_HOST": settings.web_host,
        "HOTLINE_WEB_PORT": str(settings.web_port),
        "HOTLINE_WEB_THREADS": str(settings.web_threads),
        "HOTLINE_SIP_PORT": str(settings.sip_port),
        "HOTLINE_LOG_LEVEL": settings.log_level,
        **{
            "HOTLINE_" + name.upper(): str(getattr(settings, name))
            for name in TELEPHONY_SETTINGS
        },
    }


def _hotline(*args: str) -> list[str]:
    return [sys.executable, "-m", "hotline.cli", *args]


def _wait_for_http(url: str, timeout: float) -> Callable[[subprocess.Popen[bytes]], None]:
    def ready(process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # it answers; /healthz reports the details
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(f"{url}: the process exited with {process.returncode}") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s") from None
                time.sleep(0.2)

    return ready


def redis_spec(settings: Settings) -> ChildSpec:
    redis = RedisProcess(settings.redis_socket.parent)
    redis.data_dir.mkdir(parents=True, exist_ok=True)
    return ChildSpec("redis", redis.command(), ready=redis.wait_ready, before_prepare=True)


def telephony_specs(settings: Settings, env: dict[str, str]) -> list[ChildSpec]:
    """The SIP edge (Kamailio, config generated now) and the N pjsua2 workers behind it."""
    from hotline.telephony_setup import edge_config
    from telephony.kamailio import command, wait_ready, write_config

    if settings.telephony_workers == 0:
        return []
    edge = edge_config(settings)
    specs = [
        ChildSpec(f"telephony-{k}", _hotline("telephony", "--worker", str(k)), env)
        for k in range(1, settings.telephony_workers + 1)
    ]
    specs.append(
        ChildSpec(
            "sip-edge",
            command(edge, write_config(edge)),
            ready=lambda process: wait_ready(edge, lambda: process.poll() is None),
        )
    )
    return specs


def child_specs(settings: Settings) -> list[ChildSpec]:
    env = child_env(settings)
    specs = []
    if settings.embedded_redis:
        specs.append(redis_spec(settings))
    for index in range(settings.rq_workers):
        specs.append(ChildSpec(f"worker-{index + 1}", _hotline("worker"), env))
    specs.append(ChildSpec("cron", _hotline("cron"), env))
    specs.extend(telephony_specs(settings, env))
    specs.extend(web_specs(settings, env))
    return specs


def listens_on(pid: int, port: int) -> bool:
    """Whether process `pid` itself holds a listening TCP socket on `port` (Linux /proc).

    With several web processes on one port, /healthz answering proves only that one of them is up."""
    listening = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                listening.add(f"socket:[{fields[9]}]")
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(fd) in listening:
                return True
        except OSError:
            continue
    return False


def _wait_until_listening(port: int, timeout: float) -> Callable[[subprocess.Popen[bytes]], None]:
    def ready(process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + timeout
        while not listens_on(process.pid, port):
            if process.poll() is not None:
                raise RuntimeError(f"web: the process exited with {process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"web did not listen on port {port} within {timeout:.0f} s")
            time.sleep(0.2)

    return ready


def ensure_port_free(host: str, port: int) -> None:
    """Web processes bind with SO_REUSEPORT, which would let them silently share a port with another
    `hotline up` of the same user; a plain bind first turns that into a clear error."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            raise ConfigError(f"web_port {port} on {host} is in use ({error.strerror})") from None


def web_specs(settings: Settings, env: dict[str, str]) -> list[ChildSpec]:
    """N web processes on one port: the kernel spreads connections over them (SO_REUSEPORT), so a
    slow request in one does not queue everybody's; sessions, rate limits and live events are in
    Redis and shared."""
    host = "127.0.0.1" if settings.web_host in ("0.0.0.0", "::") else settings.web_host
    answers = _wait_for_http(f"http://{host}:{settings.web_port}/healthz", WEB_READY_TIMEOUT_S)
    listens = _wait_until_listening(settings.web_port, WEB_READY_TIMEOUT_S)

    def ready(process: subprocess.Popen[bytes]) -> None:
        listens(process)
        answers(process)

    count = settings.web_processes
    return [
        ChildSpec("web" if count == 1 else f"web-{k}", _hotline("web"), env, ready=ready)
        for k in range(1, count + 1)
    ]
