"""A real `hotline web` process for tests that talk HTTP to it (schema fuzzing): started on a free
port over a given database and redis-server, and checked for server tracebacks when it stops."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.dispatch.conftest import PASSWORD
from tests.support.ports import free_port


@contextmanager
def web_process(
    database_url: str, redis_url: str, data_dir: Path, extra_env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """Yields the base URL; afterwards fails if the server logged any traceback. `extra_env` sets
    more `HOTLINE_*` settings (benchmarks switch rate limits off)."""
    port = free_port()
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": database_url,
        "HOTLINE_REDIS_URL": redis_url,
        "HOTLINE_DATA_DIR": str(data_dir),
        "HOTLINE_WEB_PORT": str(port),
        **(extra_env or {}),
    }
    log_path = data_dir / "web.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", "web"], env=env, stdout=subprocess.DEVNULL, stderr=log
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    if requests.get(f"{base}/healthz", timeout=1).ok:
                        break
                except requests.ConnectionError:
                    time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            process.wait(10)
    errors = [line for line in log_path.read_text().splitlines() if "Traceback" in line]
    assert not errors, log_path.read_text()[-4000:]


def logged_in(base: str, username: str) -> requests.Session:
    """A session carrying the user's cookie and CSRF header."""
    http = requests.Session()
    answer = http.post(f"{base}/api/session", json={"username": username, "password": PASSWORD}, timeout=5)
    assert answer.status_code == 200, answer.text
    http.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return http
