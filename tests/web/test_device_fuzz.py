"""Schema-driven fuzzing of the rating devices' API with a valid device token: schemathesis sends
generated bodies to a real `hotline web` process (real SQLite, real redis-server). No input may
produce a server error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from hotline.migrate import upgrade
from tests.dispatch.conftest import build_city
from tests.support.ratings import build_hall
from tests.web.web_process import web_process
from ticketing.db import Database
from web.openapi import document

pytestmark = pytest.mark.slow
schema = schemathesis.openapi.from_dict(document()).include(path_regex="^/device/")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, redis_server) -> Iterator[tuple[str, str]]:
    data_dir: Path = tmp_path_factory.mktemp("device-fuzz")
    url = f"sqlite:///{data_dir / 'hotline.db'}"
    upgrade(url)
    db = Database(url)
    token = build_hall(db, build_city(db)).token
    db.dispose()
    with web_process(url, redis_server.url, data_dir) as base:
        yield base, token


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_device_request_makes_a_server_error(case, server: tuple[str, str]) -> None:
    base, token = server
    response = case.call(base_url=base, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:500]}"
