"""`hotline devices register/revoke` as an operator uses them, against a real migrated SQLite database."""

from __future__ import annotations

import os

import pytest

from tests.dispatch.conftest import build_city
from tests.hotline.test_users_cli import hotline
from ticketing.db import Database
from ticketing.rating_devices import add_hall, add_window, device_for_token

pytestmark = pytest.mark.slow


def test_register_then_revoke(sqlite_db, tmp_path) -> None:
    city = build_city(sqlite_db)
    with sqlite_db.session() as s:
        window = add_window(s, add_hall(s, "青石街道便民服务中心", city.street).id, "1号窗口", city.street).id
    env = {**os.environ, "HOTLINE_DATABASE_URL": sqlite_db.url, "HOTLINE_DATA_DIR": str(tmp_path)}
    registered = hotline(env, "devices", "register", "1号窗评价器", "--window", str(window))
    assert registered.returncode == 0, registered.stderr
    token = registered.stdout.strip()
    db = Database(sqlite_db.url)
    with db.read_session() as s:
        device = device_for_token(s, token)
        assert device is not None and device.unit_id == city.street
    revoked = hotline(env, "devices", "revoke", str(device.id))
    assert revoked.returncode == 0, revoked.stderr
    with db.read_session() as s:
        assert device_for_token(s, token) is None
    db.dispose()
    unknown = hotline(env, "devices", "register", "无窗口评价器", "--window", "999")
    assert unknown.returncode == 2 and "[window_not_found]" in unknown.stderr
