"""The consoles in a real browser (Debian's chromium through Playwright, headless) against the real
app on a real port, over the demo city on SQLite and a real redis-server.

The walk: an agent takes a call that pops up on screen, registers a ticket from it and dispatches
it; the department's handler signs and replies with a photo; a supervisor sees a red card once a
ticket runs late (the sweep with a `now` in the future) and urges it; the ticket page shows the
timeline, the recording's player and the transcript. Screenshots of every console at 1366×768 go
to $HOTLINE_SCREENS_DIR (default /tmp/screens).
"""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from dispatch.context import dispatch_context
from dispatch.graded_dispatch import dispatch_ticket
from dispatch.models import Assignment, ExtensionRequest
from dispatch.operators import operator_for
from dispatch.supervision import sweep
from dispatch.surveys import SurveyPolicy
from dispatch.training import retrain_from_database
from hotline.demo import seed_demo_if_empty, seed_demo_phones
from tests.conftest import new_database_url
from tests.support.app_server import AppServer
from tests.support.audio import silent_wav
from ticketing.attachments import store_attachment
from ticketing.call_bus import CallEvent, CallEventKind, agent_state, publish_call_event
from ticketing.db import Database
from ticketing.intake import submit
from ticketing.models import Attachment, CallRecord, OrgUnit, Ticket, TicketEvent, User, utcnow
from ticketing.redis_feed import RedisEventPublisher
from ticketing.submission import Submission
from ticketing.ticket_actions import Actor, load_for_update
from web.app import create_app

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}
SCREENS = Path(os.environ.get("HOTLINE_SCREENS_DIR", "/tmp/screens"))
CALLER = "+8613912345678"


class Site:
    def __init__(self, url: str, db: Database, redis_url: str, passwords: dict[str, str], data_dir: Path):
        self.url, self.db, self.redis_url, self.passwords, self.data_dir = (
            url,
            db,
            redis_url,
            passwords,
            data_dir,
        )

    def unit_id(self, code: str) -> int:
        with self.db.read_session() as s:
            return s.execute(select(OrgUnit.id).where(OrgUnit.code == code)).scalar_one()

    def operator(self, username: str):
        with self.db.read_session() as s:
            return operator_for(s, s.execute(select(User.id).where(User.username == username)).scalar_one())


@pytest.fixture(scope="module")
def site(request, tmp_path_factory, redis_server):
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run scripts/install-system-packages.sh")
    data_dir = tmp_path_factory.mktemp("console-data")
    url = new_database_url("sqlite", request, data_dir)
    db = Database(url, publisher=RedisEventPublisher.from_url(redis_server.url))
    credentials = seed_demo_if_empty(db, tickets=80)
    seed_demo_phones(db, credentials, "hotline")  # agents go ready only with a phone
    retrain_from_database(db, data_dir / "suggesters")
    server = AppServer(create_app(db, redis_server.url, data_dir))
    server.start()
    yield Site(server.url, db, redis_server.url, {u: p for u, _r, p in credentials}, data_dir)
    server.stop()
    db.dispose()


@pytest.fixture(scope="module", autouse=True)
def screens_dir():
    shutil.rmtree(SCREENS, ignore_errors=True)
    SCREENS.mkdir(parents=True)
    return SCREENS


def login(browser, site: Site, username: str):
    page = browser.new_context(viewport=VIEWPORT, locale="zh-CN").new_page()
    page.set_default_timeout(10_000)
    page.goto(site.url + "/")
    page.wait_for_url("**/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", site.passwords[username])
    page.click("button[type=submit]")
    page.wait_for_selector("header.topbar")
    return page


def shoot(page, name: str) -> None:
    page.screenshot(path=str(SCREENS / f"{name}.png"))


def png_bytes() -> bytes:
    """A real 2×2 PNG, so the upload passes the server's magic-number check."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def open_task(page, number: str):
    task = page.locator(f"details.task:has(a:text-is('{number}'))")
    task.wait_for(state="attached")
    if task.get_attribute("open") is None:
        task.locator("summary .title").click()
    return task


def call_event(kind: CallEventKind, call_id: str, **fields) -> CallEvent:
    return CallEvent(kind=kind, call_id=call_id, at=utcnow().isoformat(), **fields)


def test_agent_takes_a_call_registers_and_dispatches_then_the_department_replies(browser, site):
    client = redis.Redis.from_url(site.redis_url)
    # The caller has called before: the pop must show that history.
    submit(
        site.db, Submission(channel="phone_agent", content="小区门口路灯不亮已一周。", contact_phone=CALLER)
    )
    agent = login(browser, site, "agent01")
    assert agent.url.endswith("/agent")
    agent.click("#presence [data-state=ready]")
    agent.wait_for_selector("#state-badge.state-ready")
    assert agent_state(client, "agent01")["state"] == "ready"

    publish_call_event(
        client,
        call_event(
            CallEventKind.OFFERED,
            "call-1",
            agent="agent01",
            caller=CALLER,
            details={"sip_call_id": "call-1@w1"},
        ),
    )
    publish_call_event(
        client, call_event(CallEventKind.OFFERED, "call-x", agent="agent02", caller="+8613800000000")
    )
    agent.wait_for_selector("#call-card:not([hidden])")
    assert agent.inner_text("#caller-number") == CALLER
    agent.wait_for_selector("#caller-history li")
    assert "路灯" in agent.inner_text("#caller-history")
    assert agent.input_value("#f-phone") == CALLER
    publish_call_event(client, call_event(CallEventKind.ANSWERED, "call-1", agent="agent01", caller=CALLER))
    publish_call_event(
        client, call_event(CallEventKind.TRANSCRIPT_PARTIAL, "call-1", agent="agent01", text="我要反映")
    )
    publish_call_event(
        client,
        call_event(
            CallEventKind.TRANSCRIPT_FINAL, "call-1", agent="agent01", text="我要反映青石街道垃圾清运不及时"
        ),
    )
    agent.wait_for_selector("#transcript .final")
    assert "垃圾清运不及时" in agent.inner_text("#transcript")
    assert "+8613800000000" not in agent.content()  # another agent's call never reaches this desk

    agent.fill("#f-content", "来电人反映青石街道柳湾社区垃圾清运不及时，垃圾桶满溢，气味很大，要求尽快清运。")
    agent.fill("#f-address", "青石街道柳湾社区")
    agent.click("#btn-suggest")
    agent.wait_for_selector("#suggestions:not([hidden])")
    shoot(agent, "agent-call-pop")
    agent.click("#btn-register")
    agent.wait_for_selector("#ticket-badge:not([hidden])")
    number = agent.inner_text("#ticket-badge").split()[-1]
    with site.db.read_session() as s:
        ticket = s.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        assert ticket.contact_phone == CALLER and "垃圾清运不及时" in (ticket.transcript or "")
        ticket_id = ticket.id
    linked = None
    for _ in range(50):  # the console links the call right after the registration answer
        with site.db.read_session() as s:
            linked = s.execute(
                select(CallRecord).where(CallRecord.sip_call_id == "call-1@w1")
            ).scalar_one_or_none()
        if linked is not None:
            break
        agent.wait_for_timeout(100)
    assert linked is not None and linked.ticket_id == ticket_id  # the call's record will land on it

    department = site.unit_id("C03")
    agent.select_option("#dispatch-unit", str(department))
    agent.click("#btn-dispatch")
    agent.wait_for_selector("#ticket-badge:has-text('已派单')")
    shoot(agent, "agent-dispatched")
    with site.db.read_session() as s:
        row = s.get_one(Ticket, ticket_id)
        assert (row.status, row.holder_unit_id) == ("dispatched", department)

    handler = login(browser, site, "c03-handler")
    assert handler.url.endswith("/workbench")
    open_task(handler, number).locator("[data-action=sign]").click()
    # Signing reloads the inbox; the task comes back with its reply form.
    handler.wait_for_selector(f"details.task:has(a:text-is('{number}')) .reply-form", state="attached")
    task = open_task(handler, number)
    task.locator("textarea[name=text]").fill("已安排环卫车辆清运，并增加该点位清运频次为每日两次。")
    task.locator("input[name=files]").set_input_files(
        [{"name": "现场照片.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    shoot(handler, "workbench")
    task.locator(".reply-form button[type=submit]").click()
    handler.wait_for_selector(f"details.task:has(a:text-is('{number}'))", state="detached")
    with site.db.read_session() as s:
        assert s.get_one(Ticket, ticket_id).status == "replied"
        photo = s.execute(select(Attachment).where(Attachment.ticket_id == ticket_id)).scalar_one()
        assert photo.filename == "现场照片.png" and photo.kind == "image"
        reply = s.execute(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket_id, TicketEvent.action == "reply")
        ).scalar_one()
        assert reply.payload["attachment_ids"] == [photo.id]

    agent.goto(f"{site.url}/tickets/{ticket_id}")
    timeline = agent.inner_text("#timeline")
    for step in ("受理", "派单", "签收", "添加附件", "回复"):
        assert step in timeline
    assert "已安排环卫车辆清运" in timeline and "已解决" in timeline
    assert agent.locator("img.thumb").evaluate("img => img.complete && img.naturalWidth") == 2
    shoot(agent, "ticket-page-replied")


def test_agent_answers_from_the_knowledge_base_and_closes_directly(browser, site):
    agent = login(browser, site, "agent01")
    agent.fill("#f-phone", "13800138000")
    agent.fill("#f-content", "来电咨询社保卡丢了怎么补办。")
    agent.fill("#kb-q", "社保卡 挂失 补办")
    agent.press("#kb-q", "Enter")
    article = agent.locator("#kb-results li:has-text('社会保障卡挂失与补换')")
    article.locator("a").click()  # the full guide opens in place
    article.locator(".kb-detail p").first.wait_for()
    shoot(agent, "agent-knowledge")
    article.locator("button:has-text('直接办结')").click()
    agent.wait_for_selector("#ticket-badge:has-text('已办结')")
    number = agent.inner_text("#ticket-badge").split()[-1]
    with site.db.read_session() as s:
        ticket = s.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        assert (ticket.status, ticket.ticket_type) == ("closed", "consultation")
        closing = s.execute(
            select(TicketEvent).where(
                TicketEvent.ticket_id == ticket.id, TicketEvent.action == "close_directly"
            )
        ).scalar_one()
        assert "社会保障卡挂失与补换" in closing.payload["answer"]


def test_agent_calls_back_an_unreachable_survey_and_enters_the_answers(browser, site):
    from dispatch.graded_dispatch import close_directly
    from dispatch.survey_models import SurveyTask
    from dispatch.surveys import schedule_for

    result = submit(
        site.db, Submission(channel="phone_agent", content="咨询公积金提取。", contact_phone="13700001234")
    )
    with dispatch_context(site.db) as ctx:
        close_directly(ctx, site.operator("agent01"), result.ticket_id, "已告知提取材料。")
    with dispatch_context(site.db) as ctx:
        [task] = schedule_for(ctx, load_for_update(ctx.session, result.ticket_id), SurveyPolicy())
        task.state, task.attempts = "unreachable", 3  # the dialer gave up (tests/telephony covers how)
        task_id = task.id
    agent = login(browser, site, "agent01")
    row = agent.locator(f"#survey-list li[data-task='{task_id}']")
    row.wait_for()
    assert "+8613700001234" in row.inner_text() and "未接通" in row.inner_text()
    row.locator(".survey-resolved").select_option("false")
    row.locator(".survey-satisfaction").select_option("unsatisfied")
    shoot(agent, "agent-surveys")
    row.locator(".survey-save").click()
    row.wait_for(state="detached")
    with site.db.read_session() as s:
        assert s.get_one(SurveyTask, task_id).state == "review"
        visit = s.execute(
            select(TicketEvent).where(
                TicketEvent.ticket_id == result.ticket_id, TicketEvent.action == "record_visit"
            )
        ).scalar_one()
    assert visit.payload["method"] == "agent_call" and visit.payload["satisfaction"] == "unsatisfied"
    agent.goto(f"{site.url}/tickets/{result.ticket_id}")  # the timeline reads the answers out
    line = agent.locator("li:has-text('回访尝试')").first
    line.wait_for()
    assert "人工回访" in line.inner_text() and "不满意" in line.inner_text() and "未解决" in line.inner_text()

    # The platform's 回访复核 queue on the dispatch console: not reopened, with the reason given.
    dispatcher = login(browser, site, "dispatch")
    review_row = dispatcher.locator(f"#survey-review-rows tr[data-ticket='{result.ticket_id}']")
    review_row.wait_for()
    shoot(dispatcher, "dispatch-survey-review")
    dispatcher.once("dialog", lambda dialog: dialog.accept("已电话解释提取政策，市民认可"))
    review_row.locator("[data-decision=close]").click()
    review_row.wait_for(state="detached")
    with site.db.read_session() as s:
        closed = s.execute(
            select(TicketEvent).where(
                TicketEvent.ticket_id == result.ticket_id, TicketEvent.action == "survey_review_closed"
            )
        ).scalar_one()
        assert closed.payload["reason"] == "已电话解释提取政策，市民认可"
        assert s.get_one(SurveyTask, task_id).state == "review_closed"


def _late_ticket(site: Site) -> tuple[int, str]:
    """A ticket dispatched to 城管局 that nobody signs; the sweep, run a month ahead, finds it late."""
    result = submit(site.db, Submission(channel="phone_agent", content="道路井盖缺失，存在安全隐患。"))
    with dispatch_context(site.db) as ctx:
        dispatch_ticket(ctx, site.operator("dispatch"), result.ticket_id, site.unit_id("C03"))
    sweep(site.db, now=utcnow() + timedelta(days=30))
    return result.ticket_id, result.number


def test_supervisor_sees_the_red_card_and_urges(browser, site):
    ticket_id, number = _late_ticket(site)
    supervisor = login(browser, site, "supervisor")
    assert supervisor.url.endswith("/supervisor")
    card = supervisor.locator(f"#lane-red .sv-card:has(a:text-is('{number}'))")
    card.wait_for()
    assert "红牌" in card.inner_text() and "催办" in card.inner_text()
    card.locator("input.note").fill("请今日内签收并办理")
    card.locator("button[data-kind=urge]").click()
    card.locator(".done").wait_for()
    shoot(supervisor, "supervisor-board")
    with site.db.read_session() as s:
        urges = s.execute(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket_id, TicketEvent.action == "urge")
        ).scalars()
        manual = [e for e in urges if e.payload.get("manual")]
        assert [e.payload["note"] for e in manual] == ["请今日内签收并办理"]


def test_dispatcher_queue_and_ticket_page_with_timeline_recording_and_masked_number(browser, site):
    result = submit(
        site.db,
        Submission(
            channel="phone_agent",
            content="噪音扰民，夜间施工至凌晨。",
            contact_phone=CALLER,
            transcript="来电人：工地夜里一直施工\n话务员：好的，我帮您登记",
        ),
    )
    with site.db.session() as s:
        ticket = load_for_update(s, result.ticket_id)
        store_attachment(
            s,
            site.data_dir,
            ticket,
            kind="audio",
            filename="通话录音.wav",
            content_type="audio/wav",
            data=silent_wav(),
            actor=Actor("录音"),
        )
    dispatcher = login(browser, site, "dispatch")
    assert dispatcher.url.endswith("/dispatch")
    row = dispatcher.locator(f"#queue tr:has(a:text-is('{result.number}'))")
    row.locator("[data-action=suggest]").click()
    row.locator(".hint").wait_for()
    shoot(dispatcher, "dispatch-queue")
    row.locator("[data-action=dispatch]").click()
    dispatcher.wait_for_selector(f"#queue tr:has(a:text-is('{result.number}'))", state="detached")

    dispatcher.goto(f"{site.url}/tickets/{result.ticket_id}")
    timeline = dispatcher.inner_text("#timeline")
    assert "受理" in timeline and "派单" in timeline and "添加附件" in timeline
    assert "****" in dispatcher.inner_text("dd.phone")  # a dispatcher never sees the full number
    assert CALLER not in dispatcher.content()
    audio = dispatcher.locator("audio")
    assert audio.count() == 1
    duration = audio.evaluate(
        "a => new Promise(r => a.readyState >= 1 ? r(a.duration) : a.onloadedmetadata = () => r(a.duration))"
    )
    assert abs(duration - 1.0) < 0.05  # the player really loaded the recording through the API
    assert "工地夜里一直施工" in dispatcher.inner_text("pre.transcript-text")
    shoot(dispatcher, "ticket-page")


def test_login_errors_in_chinese_and_pages_need_a_session(browser, site):
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.goto(site.url + "/agent")
    page.wait_for_url("**/login?next=/agent")
    page.fill("input[name=username]", "agent01")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    page.wait_for_selector("#login-error:not([hidden])")
    assert "密码" in page.inner_text("#login-error")
    shoot(page, "login-error")
    page.fill("input[name=password]", site.passwords["agent01"])
    page.click("button[type=submit]")
    page.wait_for_url("**/agent")
    page.click("text=退出")
    page.wait_for_url("**/login")
    page.goto(site.url + "/dispatch")
    page.wait_for_url("**/login?next=/dispatch")


def test_admin_manages_users_policy_and_calendar_from_the_console(browser, site):
    page = login(browser, site, "admin")
    page.goto(site.url + "/admin")
    page.wait_for_selector("#admin-section table")
    assert "市级平台" in page.inner_text("#admin-section") or "12345" in page.inner_text("#admin-section")
    shoot(page, "admin-units")

    page.click("#admin-tabs a[data-tab=users]")
    page.wait_for_selector("#admin-section >> text=新增用户")
    page.click("text=新增用户")
    page.fill("#f-username", "bad name")  # refused by the server: the dialog stays open with the reason
    page.fill("#f-display_name", "王芳")
    page.select_option("#f-role", "agent")
    page.click("#admin-form button[type=submit]")
    page.wait_for_selector("#admin-dialog-error:has-text('invalid_username')")
    page.fill("#f-username", "wang.fang")
    page.click("#admin-form button[type=submit]")
    page.wait_for_selector(".once code")
    password = page.inner_text(".once code")
    assert len(password) >= 8 and "wang.fang" in page.inner_text("#admin-section table")
    shoot(page, "admin-users")
    with site.db.read_session() as s:
        assert s.execute(select(User.role).where(User.username == "wang.fang")).scalar_one() == "agent"

    page.click("#admin-tabs a[data-tab=policy]")
    page.wait_for_selector("#admin-section >> text=黄牌预警：已用时限比例")
    page.locator("tr", has_text="黄牌预警：已用时限比例").locator("button").click()
    page.fill("#f-value", "1.5")  # outside (0, 1): refused with the rule in Chinese
    page.click("#admin-form button[type=submit]")
    page.wait_for_selector("#admin-dialog-error:has-text('预警比例')")
    page.fill("#f-value", "0.7")
    page.click("#admin-form button[type=submit]")
    page.wait_for_selector("tr:has-text('黄牌预警：已用时限比例') >> text=已调整")
    shoot(page, "admin-policy")

    page.click("#admin-tabs a[data-tab=calendar]")
    page.wait_for_selector("#admin-section >> text=设置日期")
    page.click("text=设置日期")
    page.fill("#f-day", f"{utcnow().year}-12-28")
    page.select_option("#f-is_workday", "false")
    page.fill("#f-name", "防汛调休")
    page.click("#admin-form button[type=submit]")
    page.wait_for_selector("#admin-section >> text=防汛调休")

    page.click("#admin-tabs a[data-tab=audit]")
    page.wait_for_selector("#admin-section h2:has-text('操作审计')")
    trail = page.inner_text("#admin-section")
    assert "set_day" in trail and "set_setting" in trail and "create" in trail
    assert password not in trail  # a generated password is never in the audit trail
    shoot(page, "admin-audit")


def _dispatched_to_c03(site: Site, content: str) -> tuple[int, str]:
    result = submit(site.db, Submission(channel="phone_agent", content=content))
    with dispatch_context(site.db) as ctx:
        dispatch_ticket(ctx, site.operator("dispatch"), result.ticket_id, site.unit_id("C03"))
    return result.ticket_id, result.number


def _sign_in_workbench(handler, number: str, then: str) -> None:
    open_task(handler, number).locator("[data-action=sign]").click()
    handler.wait_for_selector(f"details.task:has(a:text-is('{number}')) {then}", state="attached")


def _status(site: Site, ticket_id: int) -> str:
    with site.db.read_session() as s:
        return s.get_one(Ticket, ticket_id).status


def test_department_returns_and_asks_for_time_and_the_dispatcher_decides_and_reviews(browser, site):
    wrong_unit = _dispatched_to_c03(site, "国道边护栏被撞坏，需要修复。")
    slow = _dispatched_to_c03(site, "人民路雨水井堵塞，下雨积水严重。")
    replied = _dispatched_to_c03(site, "菜市场门口占道经营，行人无法通行。")
    handler = login(browser, site, "c03-handler")

    task = open_task(handler, wrong_unit[1])
    task.locator("select[name=reason_code]").select_option("not_our_duty")
    task.locator(".return-form input[name=reason]").fill("国道护栏由交通运输局管养，请改派")
    task.locator(".return-form button").click()
    handler.wait_for_selector(f"details.task:has(a:text-is('{wrong_unit[1]}'))", state="detached")
    assert _status(site, wrong_unit[0]) == "registered"  # back with the dispatcher

    _sign_in_workbench(handler, slow[1], ".extension-form")
    task = open_task(handler, slow[1])
    task.locator(".extension-form input[name=working_days]").fill("5")
    task.locator(".extension-form input[name=reason]").fill("需协调管线单位联合开挖疏通")
    task.locator(".extension-form button").click()
    handler.wait_for_selector("#toast:has-text('延期申请已提交')")

    _sign_in_workbench(handler, replied[1], ".reply-form")
    task = open_task(handler, replied[1])
    task.locator("textarea[name=text]").fill("已劝离占道摊贩。")
    task.locator(".reply-form button[type=submit]").click()
    handler.wait_for_selector(f"details.task:has(a:text-is('{replied[1]}'))", state="detached")
    shoot(handler, "workbench-after-return-extension-reply")

    dispatcher = login(browser, site, "dispatch")
    returned_row = dispatcher.locator(f"#queue tr:has(a:text-is('{wrong_unit[1]}'))")
    # The returned ticket waits to be dispatched again, with the department's reason beside it.
    assert "待派单" in returned_row.inner_text()
    assert "非本单位职责退回" in returned_row.inner_text() and "交通运输局管养" in returned_row.inner_text()
    extension_row = dispatcher.locator(f"#queue tr:has(a:text-is('{slow[1]}'))")
    assert "需协调管线单位联合开挖疏通" in extension_row.inner_text()
    shoot(dispatcher, "dispatch-extension-and-review")
    extension_row.locator("[data-action=approve]").click()
    dispatcher.wait_for_selector(f"#queue tr:has(a:text-is('{slow[1]}'))", state="detached")
    with site.db.read_session() as s:
        request = s.execute(
            select(ExtensionRequest).join(Assignment).where(Assignment.ticket_id == slow[0])
        ).scalar_one()
        assert (request.status, request.working_days) == ("approved", 5)

    dispatcher.once("dialog", lambda dialog: dialog.accept("回复未写明整改后的长效管理措施"))
    dispatcher.locator(f"#queue tr:has(a:text-is('{replied[1]}')) [data-action=reject]").click()
    dispatcher.wait_for_selector(f"#queue tr:has(a:text-is('{replied[1]}'))", state="detached")
    assert _status(site, replied[0]) == "in_progress"  # 退回重办: the department has it again

    handler.reload()
    task = open_task(handler, replied[1])
    assert "回复未写明整改后的长效管理措施" in handler.inner_text("body")
    task.locator("textarea[name=text]").fill("已劝离摊贩，并安排城管队员每日早市时段驻点巡查。")
    task.locator(".reply-form button[type=submit]").click()
    handler.wait_for_selector(f"details.task:has(a:text-is('{replied[1]}'))", state="detached")
    dispatcher.reload()
    dispatcher.locator(f"#queue tr:has(a:text-is('{replied[1]}')) [data-action=accept]").click()
    dispatcher.wait_for_selector(f"#queue tr:has(a:text-is('{replied[1]}'))", state="detached")
    assert _status(site, replied[0]) == "closed"


def test_agent_calls_back_a_caller_who_hung_up_in_the_queue(browser, site):
    with site.db.session() as s:
        s.add(
            CallRecord(
                sip_call_id="hung-up@w1",
                direction="inbound",
                caller="+8613700001111",
                started_at=utcnow() - timedelta(minutes=12),
                outcome="abandoned",
                wait_seconds=48.0,
            )
        )
    agent = login(browser, site, "agent02")
    entry = agent.locator("#callback-list li:has-text('+8613700001111')")
    entry.wait_for()
    assert "未接通 1 次" in entry.inner_text() and "48 秒" in entry.inner_text()
    entry.locator("a.callback-number").click()
    assert agent.input_value("#f-phone") == "+8613700001111"  # ready for the caller's request
    shoot(agent, "agent-callback-list")
    entry.locator("button[data-outcome=reached]").click()
    agent.wait_for_selector("#callback-list li:has-text('+8613700001111')", state="detached")
    with site.db.read_session() as s:
        row = s.execute(select(CallRecord).where(CallRecord.sip_call_id == "hung-up@w1")).scalar_one()
        assert row.callback_outcome == "reached" and row.callback_user_id is not None
