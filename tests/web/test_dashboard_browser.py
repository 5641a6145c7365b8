"""The dashboards in a real browser (Debian's chromium through Playwright, headless) over the demo city
on SQLite: the leader (a city department's director, so a scoped view), the supervisor and the
analyst each open /dashboard; every chart is an inline SVG drawn by the server, the page loads
nothing from another host, and the Excel link downloads a workbook. Full-page screenshots go to
$HOTLINE_SCREENS_DIR (default /tmp/screens) as dashboard-<role>.png.
"""

from __future__ import annotations

import io
import random
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from hotline.demo import seed_demo_if_empty
from tests.conftest import new_database_url
from tests.support.app_server import AppServer
from tests.web.test_consoles_browser import CHROMIUM, SCREENS, VIEWPORT, Site, login
from ticketing.db import Database
from ticketing.models import CallRecord, User, utcnow
from web.app import create_app

pytestmark = pytest.mark.slow


def add_calls(db: Database, days: int = 20) -> None:
    """A few weeks of queued calls for the answer-rate chart: most answered within 15 s."""
    rng, now = random.Random(7), utcnow()
    with db.session() as s:
        agents = list(s.execute(select(User.id).where(User.role == "agent")).scalars())
        for n in range(days * 12):
            start = now - timedelta(days=rng.uniform(0, days))
            wait = rng.expovariate(1 / 9)
            abandoned = wait > 40
            answered = None if abandoned else start + timedelta(seconds=wait)
            s.add(
                CallRecord(
                    sip_call_id=f"demo-{n}",
                    direction="inbound",
                    caller="13800000000",
                    started_at=start,
                    queued_at=start,
                    answered_at=answered,
                    ended_at=(answered or start) + timedelta(seconds=rng.uniform(60, 400)),
                    wait_seconds=wait,
                    outcome="abandoned" if abandoned else "answered",
                    agent_user_id=None if abandoned else rng.choice(agents),
                )
            )


@pytest.fixture(scope="module")
def site(request, tmp_path_factory, redis_server):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run scripts/install-system-packages.sh")
    data_dir = tmp_path_factory.mktemp("dashboard-data")
    db = Database(new_database_url("sqlite", request, data_dir))
    credentials = seed_demo_if_empty(db, tickets=160)
    add_calls(db)
    server = AppServer(create_app(db, redis_server.url, data_dir))
    server.start()
    yield Site(server.url, db, redis_server.url, {u: p for u, _r, p in credentials}, data_dir)
    server.stop()
    db.dispose()


@pytest.mark.parametrize(
    ("username", "first", "charts"),
    [
        ("analyst", "volume", 6),
        ("supervisor", "sla", 6),
        ("leader", "rankings", 3),
    ],
)
def test_each_role_sees_its_dashboard_with_charts(browser, site, username: str, first: str, charts: int):
    SCREENS.mkdir(parents=True, exist_ok=True)
    page = login(browser, site, username)
    foreign: list[str] = []
    page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(site.url) else None)
    page.goto(site.url + "/dashboard")
    page.wait_for_selector("section.dash-section")
    assert page.locator("section.dash-section").first.get_attribute("id") == f"section-{first}"
    assert page.locator("figure.chart-box svg").count() >= charts
    assert page.locator("#section-rankings table tbody tr").count() >= 1
    assert foreign == []
    with page.expect_download() as download:
        page.click("#section-rankings a.xlsx")
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert next(workbook.active.iter_rows(values_only=True))[:3] == ("名次", "单位", "综合得分")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": VIEWPORT["height"]})
    page.screenshot(path=str(SCREENS / f"dashboard-{username}.png"), full_page=True)
    page.context.close()
