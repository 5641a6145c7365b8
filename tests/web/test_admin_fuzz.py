"""Schema-driven fuzzing of the admin API as an admin (the general fuzz test logs in as a dispatcher,
who only ever gets 403 here): generated bodies and paths against a real `hotline web` process on real
SQLite and redis-server. No input may produce a server error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings

from hotline.migrate import upgrade
from tests.dispatch.conftest import add_admin, build_city
from tests.web.web_process import logged_in, web_process
from ticketing.db import Database
from ticketing.models import Category
from web.openapi import document

pytestmark = pytest.mark.slow
schema = schemathesis.openapi.from_dict(document()).include(path_regex="^/api/(admin|leader-sessions)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, redis_server) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("admin-fuzz")
    url = f"sqlite:///{data_dir / 'hotline.db'}"
    upgrade(url)
    db = Database(url)
    add_admin(db, build_city(db).platform)
    with db.session() as s:
        s.add(Category(code="010000", name="城乡建设", level=1))
    db.dispose()
    with web_process(url, redis_server.url, data_dir) as base:
        yield base


@pytest.fixture(scope="module")
def session(server: str) -> requests.Session:
    return logged_in(server, "admin")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_admin_request_makes_a_server_error(case, server: str, session: requests.Session) -> None:
    response = case.call(base_url=server, session=session)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:500]}"
