"""The dialing primitive: a console (or the survey job) asks for a call; one worker claims it, dials
through the gateway URI template, plays a prompt, collects the citizen's key and reports the outcome."""

from __future__ import annotations

from sqlalchemy import select

from tests.telephony.conftest import events_until
from tests.telephony.sip_tools import agent_scenario, start_sipp
from tests.telephony.test_inbound_bridge import run_jobs
from ticketing.call_bus import send_command
from ticketing.models import CallRecord


def test_dial_plays_a_prompt_collects_a_key_and_reports(
    line_env, workers, bus, redis_url, sqlite_db, tmp_path
):
    citizen = start_sipp(agent_scenario(tmp_path, ring_ms=300, digits="3"), tmp_path, echo=True)
    env = {**line_env, "HOTLINE_GATEWAY_URI_TEMPLATE": f"sip:{{number}}@127.0.0.1:{citizen.port}"}
    first, second = workers(env, 1), workers(env, 2)  # both see the command; exactly one dials
    send_command(bus, "dial", request_id="survey-42", number="13812345678", prompt="goodbye", digits=1)
    assert citizen.wait(30) == 0, citizen.output()[-2000:]  # answered, keyed 3, got the BYE
    events = events_until(bus, "ended")
    assert len(events) == 1
    details = events[0]["details"]
    assert details["direction"] == "outbound" and details["request_id"] == "survey-42"
    assert details["outcome"] == "answered" and details["digits"] == "3"
    run_jobs(redis_url, env)
    with sqlite_db.read_session() as session:
        record = session.execute(select(CallRecord)).scalar_one()
    assert record.direction == "outbound" and record.callee == "13812345678" and record.outcome == "answered"
    assert first.process.poll() is None and second.process.poll() is None


def test_dial_reports_a_busy_line(line_env, workers, bus, tmp_path):
    citizen = start_sipp(agent_scenario(tmp_path, busy=True), tmp_path)
    env = {**line_env, "HOTLINE_GATEWAY_URI_TEMPLATE": f"sip:{{number}}@127.0.0.1:{citizen.port}"}
    workers(env)
    send_command(bus, "dial", request_id="survey-43", number="13812345678")
    events = events_until(bus, "ended")
    assert events[0]["details"]["outcome"] == "busy" and events[0]["details"]["sip_status"] == 486
