"""What `hotline up` runs: the list of child processes for the given settings."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable

from hotline.config import FIELD_TYPES, Settings
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
    host = "127.0.0.1" if settings.web_host in ("0.0.0.0", "::") else settings.web_host
    specs.append(
        ChildSpec(
            "web",
            _hotline("web"),
            env,
            ready=_wait_for_http(f"http://{host}:{settings.web_port}/healthz", WEB_READY_TIMEOUT_S),
        )
    )
    return specs
