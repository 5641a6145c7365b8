"""`hotline devices simulate` against the real app on a real port: a small fleet with replays and
差评 leaves exactly one record per rating and one ticket per 差评."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from tests.dispatch.conftest import build_city
from tests.support.app_server import AppServer
from ticketing.models import Evaluation, RatingDevice, Ticket
from web.app import create_app

pytestmark = pytest.mark.slow


def test_simulated_fleet_with_replays_leaves_one_record_per_rating(sqlite_db, redis_url, tmp_path) -> None:
    build_city(sqlite_db)
    server = AppServer(create_app(sqlite_db, redis_url, tmp_path))
    server.start()
    try:
        env = {**os.environ, "HOTLINE_DATABASE_URL": sqlite_db.url, "HOTLINE_REDIS_URL": redis_url}
        args = ["--url", server.url, "--devices", "4", "--seconds", "3", "--interval", "0.05"]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "hotline.cli",
                "devices",
                "simulate",
                *args,
                "--bad-share",
                "0.3",
                "--replay-share",
                "0.3",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    new, replays, bad = (
        int(n) for n in re.search(r"新评价 (\d+)，重复上报 (\d+)（其中差评 (\d+)）", done.stdout).groups()
    )
    assert new > 20 and replays > 0 and bad > 0, done.stdout
    with sqlite_db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(RatingDevice)) == 4
        assert s.scalar(select(func.count()).select_from(Evaluation)) == new
        assert (
            s.scalar(select(func.count()).select_from(Ticket).where(Ticket.channel == "rating_device")) == bad
        )
