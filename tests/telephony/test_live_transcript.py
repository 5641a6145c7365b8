"""The caller's audio is tapped in the worker, batched, recognised in a separate process, and partial
and final lines reach Redis as call events for the agent's console, within a second of the words."""

from __future__ import annotations

import statistics

from tests.telephony.conftest import call_events, make_ready
from tests.telephony.sip_tools import agent_scenario, caller_scenario, start_sipp, to_mulaw, wav_seconds
from tests.telephony.test_inbound_bridge import wait_for


def test_partial_and_final_transcript_lines_reach_redis_within_a_second(
    line_env, workers, bus, korean_wav, ko_model_path, tmp_path
):
    env = {
        **line_env,
        "HOTLINE_TELEPHONY_TRANSCRIBE": "1",
        "HOTLINE_TELEPHONY_VOICE_MODEL": str(ko_model_path),
    }
    worker = workers(env)
    agent = start_sipp(agent_scenario(tmp_path, ring_ms=200), tmp_path, echo=True)  # a phone sends RTP
    make_ready(bus, "agent7", agent.port)
    audio = to_mulaw(korean_wav, tmp_path / "caller.ulaw", pad_start_s=1.0, pad_end_s=1.0)
    talk_ms = int((wav_seconds(korean_wav) + 3.0) * 1000)
    caller = start_sipp(
        caller_scenario(tmp_path, talk_ms=talk_ms, audio=audio), tmp_path, target=f"127.0.0.1:{worker.port}"
    )
    assert caller.wait(60) == 0, caller.output()[-2000:]

    events = wait_for(
        lambda: call_events(bus) if any(e["kind"] == "ended" for e in call_events(bus)) else None
    )
    partials = [e for e in events if e["kind"] == "transcript_partial"]
    finals = [e for e in events if e["kind"] == "transcript_final"]
    assert len(partials) >= 3 and all(e["text"] for e in partials)
    assert finals and finals[-1]["text"]
    assert all(e["agent"] == "agent7" for e in partials + finals)  # routed to the agent's console
    assert {e["call_id"] for e in partials} == {events[0]["call_id"]}
    latencies = sorted(e["details"]["latency_s"] for e in partials)
    print(
        f"partial latency over {len(latencies)} partials: p50 {statistics.median(latencies):.3f} s, "
        f"max {latencies[-1]:.3f} s"
    )
    assert statistics.median(latencies) <= 1.0
