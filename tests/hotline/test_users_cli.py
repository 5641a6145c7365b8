"""`hotline users` as an operator uses it, against a real migrated SQLite database."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ticketing.db import Database
from ticketing.models import OrgUnit, User
from ticketing.passwords import verify_password

pytestmark = pytest.mark.slow


@pytest.fixture
def env(tmp_path):
    url = f"sqlite:///{tmp_path / 'h.db'}"
    environment = {**os.environ, "HOTLINE_DATABASE_URL": url, "HOTLINE_REDIS_URL": "redis://127.0.0.1:1/0",
                   "HOTLINE_DATA_DIR": str(tmp_path)}
    hotline(environment, "db", "upgrade")
    db = Database(url)
    with db.session() as s:
        s.add(OrgUnit(code="CITY", name="市级平台", kind="city_platform", level=1))
    db.dispose()
    return environment, url


def hotline(env, *args, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hotline.cli", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_add_list_disable(env):
    environment, url = env
    added = hotline(environment, "users", "add", "li.na", "--role", "agent", "--unit", "CITY",
                    "--name", "李娜", "--password-stdin", stdin="s3cret-pass\n")
    assert added.returncode == 0, added.stderr
    assert "s3cret-pass" not in added.stdout + added.stderr
    db = Database(url)
    with db.read_session() as s:
        user = s.query(User).filter_by(username="li.na").one()
        assert user.role == "agent" and user.display_name == "李娜"
        assert user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, "s3cret-pass")
    listing = hotline(environment, "users", "list")
    assert "li.na" in listing.stdout and "话务员" in listing.stdout and "active" in listing.stdout
    assert hotline(environment, "users", "disable", "li.na").returncode == 0
    assert "disabled" in hotline(environment, "users", "list").stdout
    db.dispose()


@pytest.mark.parametrize(
    ("args", "password", "code"),
    [
        (["bob", "--role", "wizard", "--unit", "CITY"], "long-enough", "invalid_role"),
        (["bob", "--role", "agent", "--unit", "NOPE"], "long-enough", "unknown_unit"),
        (["bob", "--role", "agent", "--unit", "CITY"], "short", "weak_password"),
        (["Bob Smith", "--role", "agent", "--unit", "CITY"], "long-enough", "invalid_username"),
    ],
)
def test_bad_input_gets_a_clear_error_and_changes_nothing(env, args, password, code):
    environment, url = env
    result = hotline(environment, "users", "add", *args, "--password-stdin", stdin=password + "\n")
    assert result.returncode == 2
    assert f"[{code}]" in result.stderr and "Traceback" not in result.stderr
    db = Database(url)
    with db.read_session() as s:
        assert s.query(User).count() == 0
    db.dispose()


def test_duplicate_username_is_refused(env):
    environment, _ = env
    args = ["users", "add", "amy", "--role", "admin", "--unit", "CITY", "--password-stdin"]
    assert hotline(environment, *args, stdin="long-enough\n").returncode == 0
    again = hotline(environment, *args, stdin="other-password\n")
    assert again.returncode == 2 and "[username_taken]" in again.stderr
