"""Schema-driven fuzzing of the admin API as an admin (the general fuzz test logs in as a dispatcher,
who only ever gets 403 here): generated bodies and paths against a real `hotline web` process on real
SQLite and redis-server. No input may produce a server error."""

from __future__ import annotations

import os
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
from tests.dispatch.conftest import PASSWORD, PASSWORD_HASH, build_city
from tests.support.ports import free_port
from ticketing.db import Database
from ticketing.models import Category, OrgUnit, User
from web.openapi import document

pytestmark = pytest.mark.slow
schema = schemathesis.openapi.from_dict(document()).include(path_regex="^/api/admin")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, redis_server) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("admin-fuzz")
    url = f"sqlite:///{data_dir / 'hotline.db'}"
    upgrade(url)
    db = Database(url)
    build_city(db)
    with db.session() as s:
        platform = s.query(OrgUnit).filter_by(code="CITY").one()
        s.add(
            User(
                username="admin",
                display_name="管理员",
                password_hash=PASSWORD_HASH,
                role="admin",
                unit_id=platform.id,
            )
        )
        s.add(Category(code="010000", name="城乡建设", level=1))
    db.dispose()
    port = free_port()
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_REDIS_URL": redis_server.url,
        "HOTLINE_DATA_DIR": str(data_dir),
        "HOTLINE_WEB_PORT": str(port),
    }
    log = (data_dir / "web.log").open("w")
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
        log.close()
    errors = [line for line in (data_dir / "web.log").read_text().splitlines() if "Traceback" in line]
    assert not errors, (data_dir / "web.log").read_text()[-4000:]


@pytest.fixture(scope="module")
def session(server: str) -> requests.Session:
    http = requests.Session()
    answer = http.post(f"{server}/api/session", json={"username": "admin", "password": PASSWORD}, timeout=5)
    assert answer.status_code == 200, answer.text
    http.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
    return http


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_admin_request_makes_a_server_error(case, server: str, session: requests.Session) -> None:
    response = case.call(base_url=server, session=session)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:500]}"
