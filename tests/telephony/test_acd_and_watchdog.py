"""ACD: the longest-idle agent first; a busy phone sends the call to the next agent (the busy one goes
not-ready). Watchdog: a call that sends no RTP (a scanner, a dead phone) is hung up."""

from __future__ import annotations

import time

from redis import Redis

from tests.telephony.conftest import events_until, make_ready
from tests.telephony.sip_tools import agent_scenario, caller_scenario, start_sipp
from ticketing.call_bus import agent_state


def test_busy_agent_is_skipped_and_the_next_longest_idle_answers(line_env, workers, bus: Redis, tmp_path):
    worker = workers(line_env)
    busy = start_sipp(agent_scenario(tmp_path, busy=True), tmp_path)
    free = start_sipp(agent_scenario(tmp_path, ring_ms=200), tmp_path, echo=True)
    make_ready(bus, "busy_agent", busy.port)  # ready first: longest idle, rung first
    time.sleep(0.01)
    make_ready(bus, "free_agent", free.port)
    caller = start_sipp(caller_scenario(tmp_path, talk_ms=3000), tmp_path, target=f"127.0.0.1:{worker.port}")
    assert caller.wait(30) == 0, caller.output()[-2000:]
    events = events_until(bus, "ended")
    offers = [e["agent"] for e in events if e["kind"] == "offered"]
    assert offers == ["busy_agent", "free_agent"]
    assert [e["agent"] for e in events if e["kind"] == "answered"] == ["free_agent"]
    assert agent_state(bus, "busy_agent")["state"] == "not_ready"
    assert busy.wait(10) == 0


def test_watchdog_hangs_up_a_call_without_media(line_env, workers, bus: Redis, tmp_path):
    env = {**line_env, "HOTLINE_TELEPHONY_NO_MEDIA_SECONDS": "2"}
    worker = workers(env)
    started = time.monotonic()
    # No RTP at all, and the caller would wait 20 s for the hotline's BYE: the watchdog sends it.
    caller = start_sipp(
        caller_scenario(tmp_path, talk_ms=20000, hotline_hangs_up=True),
        tmp_path,
        target=f"127.0.0.1:{worker.port}",
    )
    assert caller.wait(30) == 0, caller.output()[-2000:]
    assert time.monotonic() - started < 8
    events = events_until(bus, "abandoned")
    assert events[-1]["details"]["watchdog"] == "no_media"
