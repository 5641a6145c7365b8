"""The 好差评 pages in a real browser (Debian's chromium through Playwright, headless) against the
real app on a real port. The QR rating page on a phone-sized viewport: the citizen picks a level and
reasons by tapping, leaves a phone number, submits once; the 差评 reaches the rated unit as a ticket;
the same code cannot rate again, and shows the unit's rectification once it replied. The admin's
devices page: register a device (its token shown once), revoke another. Screenshots go to
$HOTLINE_SCREENS_DIR (default /tmp/screens)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from dispatch.context import dispatch_context
from dispatch.handling import reply, sign
from dispatch.models import Assignment
from tests.dispatch.conftest import PASSWORD, add_admin, build_city
from tests.support.app_server import AppServer
from tests.support.ratings import build_hall
from tests.web.test_consoles_browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT
from ticketing.models import Evaluation, Ticket
from ticketing.rating_devices import device_for_token
from ticketing.rating_tokens import issue_visit_token
from web.app import create_app

pytestmark = pytest.mark.slow
PHONE = {"width": 390, "height": 844}
SCREENS = Path(os.environ.get("HOTLINE_SCREENS_DIR", "/tmp/screens"))


def rectify(db, city) -> None:
    with dispatch_context(db) as ctx:
        lead = ctx.session.execute(select(Assignment).where(Assignment.role == "lead")).scalar_one()
        sign(ctx, city.op(db, "street"), lead.id)
    with dispatch_context(db) as ctx:
        reply(ctx, city.op(db, "street"), lead.id, "已公布统一材料清单，窗口人员已培训", resolved=True)


def test_citizen_rates_a_window_visit_on_a_phone(sqlite_db, redis_url, tmp_path) -> None:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run scripts/install-system-packages.sh")
    city = build_city(sqlite_db)
    hall = build_hall(sqlite_db, city)
    with sqlite_db.session() as s:
        token = issue_visit_token(s, hall.window, city.users["street"])[1]
    server = AppServer(create_app(sqlite_db, redis_url, tmp_path))
    server.start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True).new_page()
            page.set_default_timeout(10_000)
            page.goto(f"{server.url}/public/rate/{token}")
            assert "3号窗口（社保）" in page.inner_text("form.rating")
            page.click("text=非常不满意")  # the label: the radio itself is visually hidden
            page.click("text=多次跑动")
            page.click("text=等候时间长")
            page.fill("textarea[name=comment]", "材料要求前后不一，跑了三趟")
            page.fill("input[name=phone]", "13912345678")
            SCREENS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENS / "rating-page.png"), full_page=True)
            page.click("button[type=submit]")
            page.wait_for_selector(".notice.ok")
            assert "已转交责任单位核实整改" in page.inner_text(".notice.ok")
            rectify(sqlite_db, city)  # the street signs and replies with what it fixed
            page.goto(f"{server.url}/public/rate/{token}")
            feedback = page.inner_text(".notice.error")
            assert "已评价" in feedback and "整改情况：已公布统一材料清单" in feedback
            browser.close()
    finally:
        server.stop()
    with sqlite_db.read_session() as s:
        evaluation = s.execute(select(Evaluation)).scalar_one()
        assert (evaluation.level, evaluation.reasons, evaluation.rater_phone) == (
            "very_unsatisfied",
            ["多次跑动", "等候时间长"],
            "+8613912345678",
        )
        ticket = s.get_one(Ticket, evaluation.bad_ticket_id)
        assert (ticket.channel, ticket.holder_unit_id, ticket.contact_phone) == ("qr_rating", hall.unit, None)


def test_admin_registers_and_revokes_a_device_on_the_devices_page(sqlite_db, redis_url, tmp_path) -> None:
    from playwright.sync_api import sync_playwright

    city = build_city(sqlite_db)
    hall = build_hall(sqlite_db, city)
    add_admin(sqlite_db, city.platform)
    server = AppServer(create_app(sqlite_db, redis_url, tmp_path))
    server.start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
            page.set_default_timeout(10_000)
            page.goto(f"{server.url}/admin/devices")
            page.wait_for_url(re.compile(r"/login\?next="))
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/admin/devices")
            page.fill("#register input[name=name]", "5号窗评价器")
            page.click("#register button[type=submit]")
            page.wait_for_selector("#token:not([hidden])")
            token = page.inner_text("#token code")
            page.screenshot(path=str(SCREENS / "admin-devices.png"), full_page=True)
            page.click(f'#devices tr[data-device="{hall.device}"] button[data-action="revoke"]')
            page.wait_for_selector(f'#devices tr[data-device="{hall.device}"] td.state:has-text("已停用")')
            browser.close()
    finally:
        server.stop()
    with sqlite_db.read_session() as s:
        new = device_for_token(s, token)
        assert new is not None and new.name == "5号窗评价器" and new.window_id == hall.window
        assert device_for_token(s, hall.token) is None  # revoked
