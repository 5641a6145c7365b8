"""One call's streaming recognition, synchronous and in-process, and the events it produces.

Used inside the recognizer process (one session per call id) and directly in tests and batch jobs
(voicemail transcription).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from voice_models.audio import batches
from voice_models.recognizer import GrammarPlan, LoadedModel, RecognizerPool, create_recognizer

EventKind = Literal["partial", "final", "ended", "error"]
BytesLike = bytes | bytearray | memoryview


class BadFrameError(ValueError):
    """A PCM batch that cannot be 16-bit mono audio; the session stays usable."""


class SessionClosedError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class WordTiming:
    word: str
    start: float
    end: float
    conf: float


@dataclass(frozen=True, slots=True)
class CallStats:
    audio_s: float
    cpu_s: float
    batches: int
    bad_batches: int
    partials: int
    finals: int

    @property
    def cpu_per_audio_s(self) -> float:
        return self.cpu_s / self.audio_s if self.audio_s else 0.0


@dataclass(frozen=True, slots=True)
class TranscriptEvent:
    """A transcript line for one call.

    ``partial``: the current guess for the utterance in progress (only sent when it changes).
    ``final``: an utterance ended (vosk endpoint, or the call ended). ``ended``: the call's recognizer
    was freed; carries ``stats``. ``error``: something was dropped; ``text`` says what.
    ``audio_offset_s`` is seconds of call audio consumed (for finals: end of the last word).
    ``emitted_at`` is wall-clock ``time.time()``; ``batch_sent_at`` is the ``time.monotonic()`` at which
    the batch that produced this event was handed in (system-wide clock, so latency can be measured
    across processes on one host).
    """

    call_id: str
    kind: EventKind
    text: str
    audio_offset_s: float
    emitted_at: float
    batch_sent_at: float | None = None
    words: tuple[WordTiming, ...] = ()
    stats: CallStats | None = None


class RecognizerLike(Protocol):
    """The part of ``vosk.KaldiRecognizer`` a session uses (lets tests use a fake)."""

    def AcceptWaveform(self, data: bytes) -> int: ...
    def Result(self) -> str: ...
    def PartialResult(self) -> str: ...
    def FinalResult(self) -> str: ...


def _words(result: dict[str, object], base_s: float) -> tuple[WordTiming, ...]:
    raw = result.get("result")
    if not isinstance(raw, list):
        return ()
    return tuple(
        WordTiming(
            str(w["word"]),
            round(float(w["start"]) - base_s, 3),
            round(float(w["end"]) - base_s, 3),
            float(w.get("conf", 1.0)),
        )
        for w in raw
        if isinstance(w, dict)
    )


class StreamingSession:
    """Feed PCM batches, get partial/final events back. Not thread-safe: one thread per session."""

    def __init__(
        self,
        recognizer: RecognizerLike,
        call_id: str,
        sample_rate: int = 16000,
        *,
        max_batch_s: float = 5.0,
        time_base_s: float = 0.0,
        on_finish: Callable[[bool], None] | None = None,
    ) -> None:
        """``time_base_s``: audio the recognizer consumed before (reused recognizers keep counting).
        ``on_finish(healthy)`` runs once the session is done with the recognizer (pool return)."""
        self._rec: RecognizerLike | None = recognizer
        self._time_base_s = time_base_s
        self._on_finish = on_finish
        self._healthy = True
        self.call_id = call_id
        self.sample_rate = sample_rate
        self._max_batch_bytes = int(max_batch_s * sample_rate) * 2
        self._samples = 0
        self._last_partial = ""
        self._cpu = 0.0
        self._batches = self._bad = self._partials = self._finals = 0

    @classmethod
    def open(
        cls,
        model: LoadedModel | str | Path,
        call_id: str,
        sample_rate: int = 16000,
        grammar: GrammarPlan | Sequence[str] | None = None,
    ) -> StreamingSession:
        return cls(create_recognizer(model, sample_rate, grammar, words=True), call_id, sample_rate)

    @classmethod
    def from_pool(cls, pool: RecognizerPool, call_id: str) -> StreamingSession:
        """A session on a reused recognizer that goes back to ``pool`` when the call ends."""
        item = pool.acquire()
        session: StreamingSession

        def give_back(healthy: bool) -> None:
            pool.release(item, session.audio_seconds, reusable=healthy)

        session = cls(item.recognizer, call_id, pool.sample_rate, time_base_s=item.fed_s, on_finish=give_back)
        return session

    @property
    def audio_seconds(self) -> float:
        return self._samples / self.sample_rate

    @property
    def closed(self) -> bool:
        return self._rec is None

    def stats(self) -> CallStats:
        return CallStats(
            self.audio_seconds, self._cpu, self._batches, self._bad, self._partials, self._finals
        )

    def _event(
        self,
        kind: EventKind,
        text: str,
        offset: float,
        sent_at: float | None,
        words: tuple[WordTiming, ...] = (),
        stats: CallStats | None = None,
    ) -> TranscriptEvent:
        return TranscriptEvent(self.call_id, kind, text, round(offset, 3), time.time(), sent_at, words, stats)

    def _check(self, pcm: object) -> bytes:
        if not isinstance(pcm, bytes | bytearray | memoryview):
            raise BadFrameError(f"PCM batch must be bytes, got {type(pcm).__name__}")
        data = bytes(pcm)
        if not data or len(data) % 2 or len(data) > self._max_batch_bytes:
            raise BadFrameError(
                f"bad PCM batch of {len(data)} bytes (need a non-empty even length ≤ {self._max_batch_bytes})"
            )
        return data

    def _final(self, result: dict[str, object], sent_at: float | None) -> list[TranscriptEvent]:
        text = str(result.get("text", "")).strip()
        self._last_partial = ""
        if not text:
            return []
        words = _words(result, self._time_base_s)
        offset = words[-1].end if words else self.audio_seconds
        self._finals += 1
        return [self._event("final", text, offset, sent_at, words=words)]

    def accept(self, pcm: BytesLike, batch_sent_at: float | None = None) -> list[TranscriptEvent]:
        """Decode one batch; returns 0–1 events. Raises :class:`BadFrameError` for unusable input."""
        if self._rec is None:
            raise SessionClosedError(self.call_id)
        try:
            data = self._check(pcm)
        except BadFrameError:
            self._bad += 1
            raise
        started = time.thread_time()  # the C decoder runs on this thread, so this is its CPU time
        try:
            self._healthy = False  # until vosk returns: a recognizer that raised is not reused
            endpoint = self._rec.AcceptWaveform(data)
            self._healthy = True
            self._samples += len(data) // 2
            self._batches += 1
            if endpoint:
                return self._final(json.loads(self._rec.Result()), batch_sent_at)
            text = str(json.loads(self._rec.PartialResult()).get("partial", "")).strip()
            if not text or text == self._last_partial:
                return []
            self._last_partial = text
            self._partials += 1
            return [self._event("partial", text, self.audio_seconds, batch_sent_at)]
        finally:
            self._cpu += time.thread_time() - started

    def finish(self) -> list[TranscriptEvent]:
        """Flush the last utterance and free the recognizer; ends with an ``ended`` event."""
        if self._rec is None:
            return []
        started = time.thread_time()
        recognizer, self._rec = self._rec, None  # drop our reference (freed, or pooled by on_finish)
        try:
            events = self._final(json.loads(recognizer.FinalResult()), None)
        except Exception:
            self._healthy = False
            raise
        finally:
            self._cpu += time.thread_time() - started
            if self._on_finish is not None:
                self._on_finish(self._healthy)
        return [*events, self._event("ended", "", self.audio_seconds, None, stats=self.stats())]


def transcribe_pcm(
    model: LoadedModel | str | Path,
    pcm: bytes,
    sample_rate: int = 16000,
    *,
    call_id: str = "offline",
    batch_ms: int = 200,
    grammar: GrammarPlan | Sequence[str] | None = None,
    pool: RecognizerPool | None = None,
) -> list[TranscriptEvent]:
    """All events for a whole recording (voicemail jobs, tests); the text is the ``final`` events.

    With ``pool`` (same sample rate, no grammar) a reused recognizer does the work — much cheaper
    for a worker that transcribes one voicemail after another.
    """
    if pool is not None and grammar is None and pool.sample_rate == sample_rate:
        session = StreamingSession.from_pool(pool, call_id)
    else:
        session = StreamingSession.open(model, call_id, sample_rate, grammar)
    events: list[TranscriptEvent] = []
    for batch in batches(pcm, sample_rate, batch_ms):
        events.extend(session.accept(batch))
    return events + session.finish()


def final_text(events: Sequence[TranscriptEvent]) -> str:
    return " ".join(e.text for e in events if e.kind == "final")
