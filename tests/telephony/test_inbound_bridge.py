"""A citizen calls, an agent's phone rings and answers, both legs are bridged and recorded; the call
events reach Redis and the RQ job writes the call record with the recording attached."""

from __future__ import annotations

import time
from pathlib import Path

from redis import Redis
from rq import Queue, SimpleWorker
from sqlalchemy import select

from telephony import jobs
from tests.telephony.conftest import call_events, make_ready
from tests.telephony.sip_tools import (
    agent_scenario,
    best_correlation,
    caller_scenario,
    read_pcm,
    rms,
    start_sipp,
    to_mulaw,
    ulaw_reference,
    wav_seconds,
)
from ticketing.attachments import attachment_path
from ticketing.call_bus import agent_state
from ticketing.models import Attachment, CallRecord


def run_jobs(redis_url: str, env: dict[str, str], voice_model: str = "") -> None:
    jobs.configure(env["HOTLINE_DATABASE_URL"], Path(env["HOTLINE_DATA_DIR"]), voice_model)
    connection = Redis.from_url(redis_url)
    SimpleWorker([Queue("default", connection=connection)], connection=connection).work(burst=True)
    connection.close()


def wait_for(predicate, timeout: float = 20.0, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(step)
    raise AssertionError("condition not met in time")


def test_call_is_bridged_to_the_ready_agent_and_recorded(
    line_env, workers, bus, redis_url, sqlite_db, mandarin_wav, tmp_path
):
    worker = workers(line_env)
    agent = start_sipp(agent_scenario(tmp_path, ring_ms=500), tmp_path, echo=True)
    make_ready(bus, "agent7", agent.port)
    audio = to_mulaw(mandarin_wav, tmp_path / "caller.ulaw", pad_start_s=1.5, pad_end_s=0.5)
    started = time.monotonic()
    caller = start_sipp(
        caller_scenario(tmp_path, talk_ms=8000, audio=audio), tmp_path, target=f"127.0.0.1:{worker.port}"
    )
    assert caller.wait(40) == 0, caller.output()[-2000:]
    assert agent.wait(20) == 0, agent.output()[-2000:]
    took = time.monotonic() - started

    events = wait_for(
        lambda: [e for e in call_events(bus)] if any(e["kind"] == "ended" for e in call_events(bus)) else None
    )
    kinds = [e["kind"] for e in events]
    assert kinds[:3] == ["queued", "offered", "answered"] and kinds[-1] == "ended", kinds
    offered = events[1]
    assert offered["agent"] == "agent7"
    assert offered["caller"] == "+8613812345678"
    assert offered["details"]["carrier"] == "中国移动" and offered["details"]["region"]
    answered = events[2]
    assert 0.3 < answered["details"]["wait_seconds"] < 3.0  # the agent's phone rang 0.5 s
    assert events[-1]["details"]["outcome"] == "answered"
    assert agent_state(bus, "agent7")["state"] == "after_call_work"

    # The bridge: the agent's phone echoed what it heard; the worker recorded the agent leg.
    recordings = Path(line_env["HOTLINE_DATA_DIR"]) / "telephony" / "recordings"
    agent_rx = [p for p in recordings.glob("*-a*.wav")]
    assert len(agent_rx) == 1
    reference = ulaw_reference(audio)
    assert best_correlation(read_pcm(agent_rx[0]), reference) > 0.9

    run_jobs(redis_url, line_env)
    with sqlite_db.read_session() as session:
        record = session.execute(select(CallRecord)).scalar_one()
        attachment = session.get(Attachment, record.recording_attachment_id)
        assert record.outcome == "answered" and record.direction == "inbound"
        assert record.caller == "+8613812345678"
        assert 0.3 < record.wait_seconds < 3.0
        assert record.answered_at is not None and record.ended_at is not None
        assert record.worker == "worker-1"
        assert record.sip_call_id == offered["details"]["sip_call_id"]  # how the console finds it
        stored = attachment_path(Path(line_env["HOTLINE_DATA_DIR"]), attachment)
    assert not list(recordings.glob("*.wav"))  # stored, then the worker's scratch files deleted
    # The recording holds the whole call from the answer (talk 8 s) and the caller's speech in it.
    assert 7.0 < wav_seconds(stored) < took + 1
    recorded = read_pcm(stored)
    assert rms(recorded) > 0.3 * rms(reference)
    # Both sides are mixed, and this agent's phone echoes the caller ~50 ms late, so the caller's speech
    # is there twice (comb-filtered): ~0.75 measured; silence or noise scores below 0.1.
    assert best_correlation(recorded, reference) > 0.6
