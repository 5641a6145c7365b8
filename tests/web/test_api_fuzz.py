"""Schema-driven fuzzing: schemathesis generates requests from /api/openapi.json for every documented
operation and sends them to the real server (a `hotline web` process on real SQLite and redis-server),
logged in as the city platform's dispatcher. No input may produce a server error."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from hotline.migrate import upgrade
from tests.dispatch.conftest import PASSWORD, build_city
from ticketing.db import Database
from ticketing.intake import submit
from ticketing.submission import Submission
from web.openapi import document

pytestmark = pytest.mark.slow
schema = schemathesis.openapi.from_dict(document())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, redis_server) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{data_dir / 'hotline.db'}"
    upgrade(url)
    db = Database(url)
    build_city(db)
    for content in ("小区门口路灯不亮", "噪音扰民，晚上施工"):
        submit(db, Submission(channel="phone_agent", content=content, contact_phone="13800138000"))
    db.dispose()
    port = free_port()
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_REDIS_URL": redis_server.url,
        "HOTLINE_DATA_DIR": str(data_dir),
        "HOTLINE_WEB_PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "hotline.cli", "web"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(data_dir / "web.log").open("w"),
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
    errors = [line for line in (data_dir / "web.log").read_text().splitlines() if "Traceback" in line]
    assert not errors, (data_dir / "web.log").read_text()[-4000:]


@pytest.fixture(scope="module")
def session(server: str) -> requests.Session:
    http = requests.Session()
    answer = http.post(f"{server}/api/session", json={"username": "city", "password": PASSWORD}, timeout=5)
    assert answer.status_code == 200, answer.text
    http.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return http


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_request_makes_a_server_error(case, server: str, session: requests.Session) -> None:
    if case.path == "/api/session" and case.method.upper() == "DELETE":
        return  # logging out would end the fuzzing session for the other operations
    response = case.call(base_url=server, session=session)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:500]}"
