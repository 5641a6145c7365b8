"""The flow's leader-line decisions, message by message (a recording stand-in for the SIP thread), on a
session scheduled in a real database and the real Redis: the announcement first, then the leader's
phone, one caller at a time; the ordinary queue keeps its agents."""

from __future__ import annotations

from pathlib import Path

import pytest
from rq import Queue

from dispatch.leader_sessions import SessionPlan, schedule
from telephony import acd
from telephony.flow import CallFlow, Command, FlowConfig
from telephony.leader_line import LeaderLine
from telephony.messages import Answered, Ended, Incoming, MediaReady
from tests.dispatch.conftest import add_user, build_city
from tests.support.leader_days import window_around_now
from tests.telephony.conftest import call_events, make_ready
from tests.telephony.test_flow import RecordingStack, run_timers
from ticketing.call_bus import READY_AGENTS
from ticketing.models import LeaderSession

LEADER_URI = "sip:mayor@127.0.0.1:5999"


@pytest.fixture
def line(sqlite_db) -> tuple[LeaderLine, int]:
    city = build_city(sqlite_db)
    add_user(sqlite_db, "mayor", "leader", city.platform, "王市长", LEADER_URI)
    with sqlite_db.session() as s:
        session_id = schedule(s, SessionPlan("mayor", "D01", **window_around_now(), topic="市容")).id
    leader_line = LeaderLine(sqlite_db.url)
    leader_line.refresh()
    return leader_line, session_id


@pytest.fixture
def flow(bus, prompts_cache: Path, line) -> CallFlow:
    config = FlowConfig(worker="w1", telephony_dir=prompts_cache.parent, ring_seconds=5, queue_seconds=30)
    flow = CallFlow(config, RecordingStack(), bus, Queue("default", connection=bus), leader_line=line[0])
    flow.prompt_seconds.update({"leader_session": 0.1})
    return flow


def test_session_callers_hear_the_announcement_then_wait_for_the_leader_one_at_a_time(flow, bus, line):
    make_ready(bus, "agent7", 5001)  # free, but not for the session's callers
    for key in ("c1", "c2"):
        flow.handle(Incoming(key, f"sip-{key}", '"x" <sip:13812345678@gw>'))
        flow.handle(MediaReady(key))
    played = [Path(args[1]).name for args in flow.stack.named("play")]
    assert played == ["leader_session.wav", "leader_session.wav"]
    assert flow.stack.named("dial") == []  # not during the announcement
    run_timers(flow, 0.4)
    dials = flow.stack.named("dial")
    assert [(uri, role) for _, uri, role in dials] == [(LEADER_URI, "agent")]  # c2 waits for the leader
    flow.handle(Answered(dials[0][0]))
    flow.handle(Ended("c1", 200, "Normal", True))
    run_timers(flow, 0.7)  # c2's next retry finds the leader free
    assert [uri for _, uri, _ in flow.stack.named("dial")] == [LEADER_URI, LEADER_URI]
    assert bus.zscore(READY_AGENTS, "agent7") is not None
    offered = [e for e in call_events(bus) if e["kind"] == "offered"]
    assert [e["agent"] for e in offered] == ["mayor", "mayor"]
    assert {e["details"]["leader_session_id"] for e in call_events(bus)} == {line[1]}


def test_the_leader_line_is_claimed_once_across_workers_and_released_by_every_ending(bus):
    first = acd.claim_direct(bus, "mayor", LEADER_URI, "w1")
    assert first is not None and acd.claim_direct(bus, "mayor", LEADER_URI, "w2") is None
    for release in (acd.give_back, acd.missed, acd.call_finished):
        release(bus, first)
        again = acd.claim_direct(bus, "mayor", LEADER_URI, "w1")
        assert again is not None
        first = again
    assert bus.zscore(READY_AGENTS, "mayor") is None  # never made an ordinary queue member
    # w1 dies holding the line; w2's restart frees nothing of w1's, w1's restart frees its line.
    assert acd.free_direct_lines_of(bus, "w2") == 0
    assert acd.free_direct_lines_of(bus, "w1") == 1
    assert acd.claim_direct(bus, "mayor", LEADER_URI, "w2") is not None


def test_a_call_outside_any_session_takes_the_ordinary_queue(flow, bus, sqlite_db):
    with sqlite_db.session() as s:
        for row in s.query(LeaderSession):
            row.status = "cancelled"
    flow.leader_line.refresh()
    make_ready(bus, "agent7", 5001)
    flow.handle(Incoming("c3", "sip-c3", "<sip:13812345678@gw>"))
    flow.handle(MediaReady("c3"))
    assert [Path(args[1]).name for args in flow.stack.named("play")] == ["welcome.wav"]
    assert [uri for _, uri, _ in flow.stack.named("dial")] == ["sip:agent7@127.0.0.1:5001"]


def test_a_screened_session_goes_to_an_agent_who_brings_the_leader_in(flow, bus, line, sqlite_db):
    leader_line, session_id = line
    with sqlite_db.session() as s:
        s.get(LeaderSession, session_id).screened = True
    leader_line.refresh()
    make_ready(bus, "agent7", 5001)
    flow.handle(Incoming("c4", "sip-c4", "<sip:13812345678@gw>"))
    flow.handle(MediaReady("c4"))
    assert [Path(args[1]).name for args in flow.stack.named("play")] == ["leader_session.wav"]
    run_timers(flow, 0.3)
    ((agent_leg, uri, _),) = flow.stack.named("dial")
    assert uri == "sip:agent7@127.0.0.1:5001"
    flow.handle(Answered(agent_leg))
    flow.handle(Command("leader_handoff", {"call_id": "c4", "leader_session_id": session_id + 1}))
    assert len(flow.stack.named("dial")) == 1  # a hand-off for another session is refused
    flow.handle(Command("leader_handoff", {"call_id": "c4", "leader_session_id": session_id}))
    leader_leg, uri, role = flow.stack.named("dial")[1]
    assert (uri, role) == (LEADER_URI, "leader")
    flow.handle(Answered(leader_leg))
    bridges = flow.stack.named("bridge")
    assert ("c4", leader_leg) in bridges and (agent_leg, leader_leg) in bridges  # three-way
    transferred = [e for e in call_events(bus) if e["kind"] == "transferred"]
    assert [e["details"]["target"] for e in transferred] == ["leader"] and transferred[0]["agent"] == "agent7"
