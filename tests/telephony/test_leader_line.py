"""A leader live-answer session for real: scheduled around now, a citizen calls (sipp), the IVR plays
the session announcement, the call is offered straight to the leader's phone (a sipp UAS at the
leader's SIP URI) and bridged and recorded; the agent records its ticket over HTTP, tagged with the
session and due today at the session's unit; the leader console's API shows the call and the ticket,
and the public session page lists the ticket (a Chromium screenshot of the console when chromium is
installed)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import requests
from sqlalchemy import select

from dispatch.leader_sessions import BEIJING, SessionPlan, schedule
from telephony.prompts import duration_seconds, synthesise
from tests.dispatch.conftest import PASSWORD, add_user, build_city
from tests.support.app_server import AppServer
from tests.support.leader_days import window_around_now
from tests.support.ports import free_port
from tests.telephony.conftest import call_events, make_ready
from tests.telephony.sip_tools import (
    agent_scenario,
    best_correlation,
    caller_scenario,
    read_pcm,
    start_sipp,
    to_mulaw,
    ulaw_reference,
)
from tests.telephony.test_inbound_bridge import run_jobs, wait_for
from tests.web.web_process import logged_in
from ticketing.attachments import attachment_path
from ticketing.call_bus import READY_AGENTS
from ticketing.models import Attachment, CallRecord
from web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
SCREENS = Path(os.environ.get("HOTLINE_SCREENS_DIR", "/tmp/screens"))


def announcement_only_segment(prompts: Path, folder: Path) -> Path:
    """The words only the session announcement says (今天是领导在线接听日), cut out of the prompt at the
    length espeak gives the greeting before them: a reference the ordinary welcome does not match."""
    greeting, words = folder / "greeting.wav", folder / "words.wav"
    synthesise("您好，这里是12345政务服务便民热线。", greeting)
    synthesise("今天是领导在线接听日，", words)
    segment = folder / "segment.wav"
    start, length = duration_seconds(greeting), duration_seconds(words)
    subprocess.run(
        ["sox", str(prompts / "leader_session.wav"), str(segment), "trim", f"{start:.3f}", f"{length:.3f}"],
        check=True,
    )
    return to_mulaw(segment, folder / "segment.ulaw")


def speaking_phone(folder: Path, audio: Path, ring_ms: int = 300) -> Path:
    """A phone that answers and then speaks `audio` (mu-law) over and over: it never falls silent, so
    the worker's no-RTP watchdog leaves it alone, and its voice in a recording proves it was bridged."""
    scenario = agent_scenario(folder, ring_ms=ring_ms, talk_ms=40000)
    text = scenario.read_text().replace(
        '<recv request="ACK" crlf="true"/>',
        f'<recv request="ACK" crlf="true"/>\n  <nop><action><exec rtp_stream="{audio},-1,0"/></action></nop>',
    )
    scenario.write_text(text)
    return scenario


def test_a_session_call_reaches_the_leader_and_its_ticket_is_due_today_and_published(
    line_env, workers, bus, redis_url, sqlite_db, prompts_cache, mandarin_wav, tmp_path
):
    city = build_city(sqlite_db)
    voice = to_mulaw(mandarin_wav, tmp_path / "leader.ulaw", pad_end_s=0.3)
    leader_phone = start_sipp(speaking_phone(tmp_path, voice), tmp_path)
    add_user(
        sqlite_db, "mayor", "leader", city.platform, "王市长", f"sip:mayor@127.0.0.1:{leader_phone.port}"
    )
    with sqlite_db.session() as s:
        plan = SessionPlan("mayor", "D01S01", **window_around_now(), topic="城市管理与市容", public=True)
        session_id = schedule(s, plan).id
    # An ordinary agent is free too: the session's caller must go to the leader all the same.
    make_ready(bus, "agent7", free_port())
    worker = workers(line_env)

    announcement = duration_seconds(prompts_cache / "leader_session.wav")
    caller = start_sipp(
        caller_scenario(tmp_path, talk_ms=int((announcement + 5) * 1000)),
        tmp_path,
        target=f"127.0.0.1:{worker.port}",
        echo=True,  # the caller sends back what it hears: the call recording holds what the IVR played
    )
    assert caller.wait(60) == 0, caller.output()[-2000:]
    assert leader_phone.wait(20) == 0, leader_phone.output()[-2000:]

    events = wait_for(
        lambda: call_events(bus) if any(e["kind"] == "ended" for e in call_events(bus)) else None
    )
    kinds = [e["kind"] for e in events]
    assert kinds[:3] == ["queued", "offered", "answered"] and kinds[-1] == "ended", kinds
    offered, answered = events[1], events[2]
    assert offered["agent"] == "mayor" and offered["details"]["leader_session_id"] == session_id
    assert all(e["details"]["leader_session_id"] == session_id for e in events)
    # The leader's phone rang only after the whole announcement (it answers 0.3 s after ringing).
    assert announcement < answered["details"]["wait_seconds"] < announcement + 5
    assert events[-1]["details"]["outcome"] == "answered"
    assert bus.zscore(READY_AGENTS, "agent7") is not None  # the queue's agent was never taken

    run_jobs(redis_url, line_env)
    with sqlite_db.read_session() as s:
        record = s.execute(select(CallRecord)).scalar_one()
        assert record.outcome == "answered" and record.sip_call_id == offered["details"]["sip_call_id"]
        stored = attachment_path(
            Path(line_env["HOTLINE_DATA_DIR"]), s.get(Attachment, record.recording_attachment_id)
        )
    # The echo comes back through two jitter buffers, which on a busy box slip a frame now and then:
    # 0.4 s windows stay whole where 1 s windows may not (measured 0.66–0.996 with 1 s, 0.997 with 0.4 s).
    reference = ulaw_reference(announcement_only_segment(prompts_cache, tmp_path))
    heard = best_correlation(read_pcm(stored), reference, window_s=0.4)
    assert heard > 0.8, heard
    control = best_correlation(read_pcm(prompts_cache / "welcome.wav"), reference, window_s=0.4)
    assert control < heard - 0.3, control  # the plain welcome prompt: measured 0.40
    leader_voice = best_correlation(read_pcm(stored), ulaw_reference(voice), window_s=0.4)
    assert leader_voice > 0.6, leader_voice  # then the leader spoke

    server = AppServer(create_app(sqlite_db, redis_url, tmp_path / "web"))
    server.start()
    try:
        agent = logged_in(server.url, "agent")
        body = {
            "content": "青石街道菜市场门口占道经营，早晚高峰堵路",
            "title": "菜市场门口占道经营",
            "contact_phone": offered["caller"],
            "idempotency_key": offered["details"]["sip_call_id"],
            "sip_call_id": offered["details"]["sip_call_id"],
        }
        done = agent.post(f"{server.url}/api/leader-sessions/{session_id}/tickets", json=body, timeout=10)
        assert done.status_code == 201, done.text
        ticket = done.json()
        assert ticket["unit_id"] == city.street
        due = dt.datetime.fromisoformat(ticket["reply_due_at"])
        assert due.astimezone(BEIJING).date() == dt.datetime.now(BEIJING).date()

        leader = logged_in(server.url, "mayor")
        console = leader.get(f"{server.url}/api/leader-sessions/{session_id}", timeout=10).json()
        assert [t["number"] for t in console["tickets"]] == [ticket["number"]]
        assert console["tickets"][0]["channel"] == "leader_line"
        assert {c["event"]["kind"] for c in console["calls"]} >= {"offered", "answered", "ended"}
        assert all(c["event"]["caller"] == "138****5678" for c in console["calls"])  # masked for leaders

        public = requests.get(f"{server.url}/public/leader-sessions/{session_id}", timeout=10)
        assert public.status_code == 200 and ticket["number"] in public.text
        assert "5678" not in public.text.replace(ticket["number"], "")

        if CHROMIUM.exists():
            _screenshot_console(server.url, session_id, ticket["number"])
    finally:
        server.stop()


def _screenshot_console(base: str, session_id: int, number: str) -> None:
    from playwright.sync_api import sync_playwright

    SCREENS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        try:
            page = browser.new_context(
                viewport={"width": 1366, "height": 768}, locale="zh-CN", timezone_id="Asia/Shanghai"
            ).new_page()
            page.set_default_timeout(10_000)
            page.goto(f"{base}/login?next=/leader%3Fsession%3D{session_id}")
            page.fill("input[name=username]", "mayor")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector(f"#tickets >> text={number}")
            page.wait_for_selector("#calls >> text=已结束")
            page.screenshot(path=str(SCREENS / "leader-console.png"))
        finally:
            browser.close()


def test_a_screened_session_call_is_answered_by_an_agent_who_brings_the_leader_in(
    line_env, workers, bus, redis_url, sqlite_db, prompts_cache, mandarin_wav, tmp_path
):
    city = build_city(sqlite_db)
    speech = to_mulaw(mandarin_wav, tmp_path / "leader.ulaw", pad_end_s=0.3)
    leader_phone = start_sipp(speaking_phone(tmp_path, speech, ring_ms=200), tmp_path)
    add_user(
        sqlite_db, "mayor", "leader", city.platform, "王市长", f"sip:mayor@127.0.0.1:{leader_phone.port}"
    )
    with sqlite_db.session() as s:
        plan = SessionPlan("mayor", "D01", **window_around_now(), topic="营商环境", screened=True)
        session_id = schedule(s, plan).id
    worker = workers(line_env)
    # The agent's phone streams digital silence: RTP for the watchdog, nothing over the leader's voice.
    silence = tmp_path / "silence.ulaw"
    subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", "-t", "ul", str(silence), "trim", "0", "1"], check=True
    )
    agent_phone = start_sipp(speaking_phone(tmp_path, silence, ring_ms=200), tmp_path)
    make_ready(bus, "agent", agent_phone.port)

    announcement = duration_seconds(prompts_cache / "leader_session.wav")
    caller = start_sipp(
        caller_scenario(tmp_path, talk_ms=int((announcement + 10) * 1000)),
        tmp_path,
        target=f"127.0.0.1:{worker.port}",
        echo=True,
    )
    answered = wait_for(lambda: [e for e in call_events(bus) if e["kind"] == "answered"], timeout=30)[0]
    assert answered["agent"] == "agent" and answered["details"]["leader_session_id"] == session_id

    server = AppServer(create_app(sqlite_db, redis_url, tmp_path / "web"))
    server.start()
    try:
        agent = logged_in(server.url, "agent")
        url = f"{server.url}/api/leader-sessions/{session_id}/calls/{answered['call_id']}/handoff"
        assert agent.post(url, timeout=10).status_code == 202
    finally:
        server.stop()
    assert caller.wait(60) == 0, caller.output()[-2000:]
    assert leader_phone.wait(20) == 0, leader_phone.output()[-2000:]  # rung, answered, hung up at the end
    assert agent_phone.wait(20) == 0, agent_phone.output()[-2000:]

    events = wait_for(
        lambda: call_events(bus) if any(e["kind"] == "ended" for e in call_events(bus)) else None
    )
    joined = [e for e in events if e["kind"] == "transferred"]
    assert [e["details"]["target"] for e in joined] == ["leader"] and joined[0]["agent"] == "agent"
    run_jobs(redis_url, line_env)
    with sqlite_db.read_session() as s:
        record = s.execute(select(CallRecord)).scalar_one()
        assert record.outcome == "answered" and record.agent_user_id is not None  # still the agent's call
        stored = attachment_path(
            Path(line_env["HOTLINE_DATA_DIR"]), s.get(Attachment, record.recording_attachment_id)
        )
    # The leader's voice is in the call: the three-way bridge carries it (and the recording hears it).
    leader_voice = best_correlation(read_pcm(stored), ulaw_reference(speech), window_s=0.4)
    assert leader_voice > 0.6, leader_voice
