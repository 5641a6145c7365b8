"""The call flow's decisions, driven message by message with a recording stand-in for the SIP thread
(the acceptance tests run the same flow against real SIP peers); Redis is real."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest
from rq import Queue

from telephony.flow import CallFlow, FlowConfig
from telephony.messages import Answered, Ended, Incoming, MediaReady
from tests.telephony.conftest import call_events, make_ready
from ticketing.call_bus import agent_state


class RecordingStack:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple]] = []

    def submit(self, command) -> None:
        command()

    def __getattr__(self, name: str):
        def record(*args, **kwargs) -> None:
            self.calls.append((name, args))

        return record

    def named(self, name: str) -> list[tuple]:
        return [args for called, args in self.calls if called == name]


@pytest.fixture
def flow(bus, prompts_cache: Path, tmp_path: Path) -> CallFlow:
    config = FlowConfig(worker="w1", telephony_dir=prompts_cache.parent, ring_seconds=0.3, queue_seconds=1.0)
    flow = CallFlow(config, RecordingStack(), bus, Queue("default", connection=bus))
    flow.prompt_seconds.update({"voicemail": 0.05, "beep": 0.05})
    return flow


def run_timers(flow: CallFlow, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        flow._fire_timers()
        time.sleep(0.02)


def test_ring_timeout_sets_the_agent_not_ready_and_rings_the_next(flow, bus):
    make_ready(bus, "first", 5001)
    time.sleep(0.01)
    make_ready(bus, "second", 5002)
    flow.handle(Incoming("c1", "sip-1", '"x" <sip:13812345678@gw>'))
    flow.handle(MediaReady("c1"))
    dials = flow.stack.named("dial")
    assert [uri for _, uri, _ in dials] == ["sip:first@127.0.0.1:5001"]
    run_timers(flow, 0.4)  # the first agent's phone rings out
    dials = flow.stack.named("dial")
    assert [uri for _, uri, _ in dials] == ["sip:first@127.0.0.1:5001", "sip:second@127.0.0.1:5002"]
    assert (dials[0][0], 487) in flow.stack.named("hangup")
    assert agent_state(bus, "first")["state"] == "not_ready"
    flow.handle(Answered(dials[1][0]))
    assert flow.stack.named("bridge") == [("c1", dials[1][0])]
    flow.handle(Ended("c1", 200, "Normal", True))
    kinds = [e["kind"] for e in call_events(bus)]
    assert kinds == ["queued", "offered", "offered", "answered", "ended"]
    assert agent_state(bus, "second")["state"] == "after_call_work"
    assert len(Queue("default", connection=bus)) == 1  # the call record job


def test_queue_limit_leads_to_voicemail_and_gives_the_ringing_agent_back(flow, bus):
    flow.config = replace(flow.config, ring_seconds=5.0)  # still ringing when the queue limit strikes
    flow.handle(Incoming("c2", "sip-2", "<sip:13812345678@gw>"))
    flow.handle(MediaReady("c2"))
    assert flow.stack.named("dial") == []  # nobody ready: the caller waits
    run_timers(flow, 0.5)
    make_ready(bus, "late", 5003)
    run_timers(flow, 0.7)  # the late agent is rung, the queue limit strikes while it rings
    assert [uri for _, uri, _ in flow.stack.named("dial")] == ["sip:late@127.0.0.1:5003"]
    run_timers(flow, 0.3)
    played = [Path(args[1]).name for args in flow.stack.named("play")]
    assert played == ["welcome.wav", "voicemail.wav", "beep.wav"]
    assert [args[1] for args in flow.stack.named("record")] == ["call", "voicemail"]
    assert agent_state(bus, "late")["state"] == "ready"  # not their fault: back in line
    flow.handle(Ended("c2", 200, "Normal", True))
    assert [e["kind"] for e in call_events(bus)][-1] == "voicemail"
