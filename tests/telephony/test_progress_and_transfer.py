"""DTMF progress query (menu key 1, the ticket number, #: the status is spoken from prompt fragments)
and the emergency transfer from the agent console (a three-way call with 110 keeping the agent on)."""

from __future__ import annotations

from sqlalchemy import select

from tests.telephony.conftest import events_until, make_ready
from tests.telephony.sip_tools import agent_scenario, caller_scenario, start_sipp
from tests.telephony.test_inbound_bridge import run_jobs
from ticketing.call_bus import send_command
from ticketing.intake import submit
from ticketing.models import CallRecord
from ticketing.submission import Submission


def test_caller_keys_a_ticket_number_and_hears_its_status(line_env, workers, bus, sqlite_db, tmp_path):
    ticket = submit(
        sqlite_db, Submission(channel="web_form", content="小区路灯坏了", contact_phone="13812345678")
    )
    worker = workers(line_env)
    keys = "1" + ticket.number + "#"
    talk_ms = 1000 + 400 * len(keys) + 5000  # the keys, the lookup and the spoken status
    caller = start_sipp(
        caller_scenario(tmp_path, talk_ms=talk_ms, digits=keys), tmp_path, target=f"127.0.0.1:{worker.port}"
    )
    assert caller.wait(60) == 0, caller.output()[-2000:]
    events = events_until(bus, "abandoned")  # after the answer the caller is back in line, then hangs up
    answers = [e["details"] for e in events if "progress_query" in e["details"]]
    assert answers == [{**answers[0], "progress_query": ticket.number, "ticket_status": ticket.status}]


def test_agent_adds_110_to_the_call_and_the_transfer_is_recorded(
    line_env, workers, bus, redis_url, sqlite_db, tmp_path
):
    police = start_sipp(agent_scenario(tmp_path, ring_ms=200), tmp_path, echo=True)
    env = {
        **line_env,
        "HOTLINE_EMERGENCY_URIS": f"110=sip:110@127.0.0.1:{police.port},119=sip:119@127.0.0.1:9",
    }
    worker = workers(env)
    agent = start_sipp(agent_scenario(tmp_path, ring_ms=200), tmp_path, echo=True)
    make_ready(bus, "agent7", agent.port)
    caller = start_sipp(
        caller_scenario(tmp_path, talk_ms=5000, digits="0000000"), tmp_path, target=f"127.0.0.1:{worker.port}"
    )
    answered = events_until(bus, "answered")
    call_id = answered[0]["call_id"]
    send_command(bus, "transfer", call_id=call_id, target="110", mode="conference")
    assert caller.wait(40) == 0, caller.output()[-2000:]
    assert police.wait(20) == 0, police.output()[-2000:]  # 110 was rung, answered and hung up at the end
    assert agent.wait(20) == 0
    events = events_until(bus, "ended")
    transferred = [e for e in events if e["kind"] == "transferred"]
    assert len(transferred) == 1 and transferred[0]["details"]["target"] == "110"
    assert transferred[0]["agent"] == "agent7"
    run_jobs(redis_url, env)
    with sqlite_db.read_session() as session:
        assert session.execute(select(CallRecord.outcome)).scalar_one() == "transferred:110"


def test_blind_transfer_refers_the_caller_to_119_and_leaves_the_call(
    line_env, workers, bus, redis_url, sqlite_db, tmp_path
):
    env = {
        **line_env,
        "HOTLINE_EMERGENCY_URIS": "119=sip:119@127.0.0.1:9",
        "HOTLINE_TELEPHONY_NO_MEDIA_SECONDS": "30",
    }
    worker = workers(env)
    agent = start_sipp(agent_scenario(tmp_path, ring_ms=200), tmp_path, echo=True)
    make_ready(bus, "agent7", agent.port)
    caller = start_sipp(
        caller_scenario(tmp_path, talk_ms=15000, accepts_refer=True),
        tmp_path,
        target=f"127.0.0.1:{worker.port}",
    )
    call_id = events_until(bus, "answered")[0]["call_id"]
    send_command(bus, "transfer", call_id=call_id, target="119", mode="blind")
    assert caller.wait(30) == 0, caller.output()[-2000:]  # got REFER, reported success, got our BYE
    assert agent.wait(20) == 0
    events = events_until(bus, "ended")
    transferred = [e["details"] for e in events if e["kind"] == "transferred"]
    assert transferred[0]["mode"] == "blind" and transferred[0]["uri"] == "sip:119@127.0.0.1:9"
    assert transferred[-1]["final"] and transferred[-1]["sip_status"] == 200
    run_jobs(redis_url, env)
    with sqlite_db.read_session() as session:
        assert session.execute(select(CallRecord.outcome)).scalar_one() == "transferred:119"
