"""Schema-driven fuzzing: schemathesis generates requests from /api/openapi.json for every documented
operation and sends them to the real server (a `hotline web` process on real SQLite and redis-server),
logged in as the city platform's dispatcher. No input may produce a server error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from hotline.migrate import upgrade
from tests.dispatch.conftest import build_city
from tests.web.web_process import logged_in, web_process
from ticketing.db import Database
from ticketing.intake import submit
from ticketing.submission import Submission
from web.openapi import document

pytestmark = pytest.mark.slow
schema = schemathesis.openapi.from_dict(document())


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
    with web_process(url, redis_server.url, data_dir) as base:
        yield base


@pytest.fixture(scope="module")
def session(server: str) -> requests.Session:
    return logged_in(server, "city")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_request_makes_a_server_error(case, server: str, session: requests.Session) -> None:
    if case.path == "/api/session" and case.method.upper() == "DELETE":
        return  # logging out would end the fuzzing session for the other operations
    response = case.call(base_url=server, session=session)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:500]}"
