"""Open311 API keys: issued once and stored as a hash, verified, revoked; and `hotline open311 key`
as an operator runs it."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from ticketing.api_keys import issue_key, list_keys, revoke_key, verify_key
from ticketing.db import Database
from ticketing.errors import Conflict, InvalidInput, NotFound
from ticketing.models import ApiKey


def test_issue_verify_revoke(db):
    with db.session() as s:
        key = issue_key(s, "随手拍")
        other = issue_key(s, "网格员 App")
    assert key != other and len(key) >= 40
    with db.read_session() as s:
        row = s.query(ApiKey).filter_by(name="随手拍").one()
        assert row.key_hash == hashlib.sha256(key.encode()).hexdigest() and key not in row.key_hash
        assert row.prefix == key[:8] and row.last_used_at is None and row.revoked_at is None

    used_at = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    with db.session() as s:
        assert verify_key(s, key, now=used_at).name == "随手拍"
        for wrong in (key[:-1], "", "x" * 999):
            assert verify_key(s, wrong) is None
    with db.session() as s:
        assert s.query(ApiKey).filter_by(name="随手拍").one().last_used_at == used_at
        revoke_key(s, "随手拍")
    with db.session() as s:
        assert verify_key(s, key) is None
        assert verify_key(s, other).name == "网格员 App"
        first = revoke_key(s, "随手拍").revoked_at
        assert revoke_key(s, "随手拍").revoked_at == first  # revoking again keeps the first time
        assert [r.name for r in list_keys(s)] == sorted(["随手拍", "网格员 App"])


def test_names_are_unique_and_required(db):
    with db.session() as s:
        issue_key(s, "app")
    with db.session() as s, pytest.raises(Conflict) as taken:
        issue_key(s, "app")
    assert taken.value.code == "api_key_name_taken"
    with db.session() as s, pytest.raises(InvalidInput):
        issue_key(s, "  ")
    with db.session() as s, pytest.raises(NotFound):
        revoke_key(s, "nobody")


@pytest.fixture
def cli_env(tmp_path):
    url = f"sqlite:///{tmp_path / 'h.db'}"
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_REDIS_URL": "redis://127.0.0.1:1/0",
        "HOTLINE_DATA_DIR": str(tmp_path),
    }
    hotline(env, "db", "upgrade")
    return env, url


def hotline(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "hotline.cli", *args], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.slow
def test_key_commands(cli_env):
    env, url = cli_env
    created = hotline(env, "open311", "key", "create", "城市随手拍")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert len(key) >= 40 and "\n" not in key and "只显示这一次" in created.stderr

    listing = hotline(env, "open311", "key", "list")
    assert "城市随手拍" in listing.stdout and key[:8] in listing.stdout and "active" in listing.stdout
    assert key not in listing.stdout  # shown once, never again

    db = Database(url)
    with db.session() as s:
        assert verify_key(s, key).name == "城市随手拍"
    again = hotline(env, "open311", "key", "create", "城市随手拍")
    assert again.returncode == 2 and "[api_key_name_taken]" in again.stderr and again.stdout == ""

    revoked = hotline(env, "open311", "key", "revoke", "城市随手拍")
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked" in hotline(env, "open311", "key", "list").stdout
    with db.session() as s:
        assert verify_key(s, key) is None
    db.dispose()
    unknown = hotline(env, "open311", "key", "revoke", "nobody")
    assert unknown.returncode == 2 and "[api_key_not_found]" in unknown.stderr
    assert "Traceback" not in unknown.stderr
