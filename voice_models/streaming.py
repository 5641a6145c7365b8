"""Streaming transcription in a separate process, fed with batched PCM tagged by call id.

Why a process: a telephony worker's pjsua2 clock thread needs the GIL every 20 ms; CPU-bound work in
the same interpreter destroys its audio (../shared/telephony-notes.md §5). So the worker only does
``transcriber.feed(call_id, pcm)`` — a non-blocking queue put — and this module does the rest.

Inside the recognizer process one thread routes messages to N decoder *lanes* (threads). A call is
pinned to one lane (its batches stay in order); lanes share one loaded model, which vosk allows, and
vosk's C calls run without the GIL, so lanes decode in parallel. One model in memory serves all calls.

Transport: ``multiprocessing`` queues over pipes from a *spawn* context (forking a process that runs
pjsua2 threads is unsafe). Messages are small tuples; PCM travels as ``bytes``. ``feed`` never blocks:
when the backlog exceeds ``max_pending_batches`` the batch is dropped and counted.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from voice_models.recognizer import LoadedModel, RecognizerPool, load_model
from voice_models.session import (
    BadFrameError,
    CallStats,
    StreamingSession,
    TranscriptEvent,
    WordTiming,
)

__all__ = [
    "CallStats",
    "StreamingSession",
    "StreamingTranscriber",
    "TranscriberError",
    "TranscriptEvent",
    "WordTiming",
    "WorkerStatus",
]

OP_START, OP_AUDIO, OP_END, OP_STOP = 1, 2, 3, 4
_POLL_S = 0.5
_MAX_REMEMBERED_UNKNOWN = 1024

EventCallback = Callable[[TranscriptEvent], None]
_Warmup = tuple[bytes, int, int]  # pcm, sample rate, recognizers to warm per lane
log = logging.getLogger(__name__)


class TranscriberError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class WorkerStatus:
    """Control messages from the recognizer process (never shown to callers as events)."""

    state: Literal["ready", "failed", "stopped"]
    detail: str = ""
    load_seconds: float = 0.0
    warmup_seconds: float = 0.0
    runtime_grammar: bool = False


def _error(call_id: str, message: str) -> TranscriptEvent:
    return TranscriptEvent(call_id, "error", message, 0.0, time.time())


class _Lane(threading.Thread):
    """Decodes the calls pinned to it, strictly in arrival order."""

    def __init__(self, index: int, model: LoadedModel, outbox: Any, warmup: _Warmup | None) -> None:
        super().__init__(name=f"asr-lane-{index}", daemon=True)
        self.inbox: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self.calls = 0
        self.warmed = threading.Event()
        self._model = model
        self._outbox = outbox
        self._warmup = warmup
        self._sessions: dict[str, StreamingSession] = {}
        self._pools: dict[int, RecognizerPool] = {}

    def _pool(self, sample_rate: int) -> RecognizerPool:
        pool = self._pools.get(sample_rate)
        if pool is None:
            pool = self._pools[sample_rate] = RecognizerPool(self._model, sample_rate)
        return pool

    def _warm_up(self) -> None:
        try:
            if self._warmup is not None:
                pcm, rate, count = self._warmup
                self._pool(rate).warm_up(pcm, count)
        except Exception as exc:  # a failed warm-up only costs speed
            self._emit([_error("", f"预热失败 warm-up failed: {exc!r}")])
        finally:
            self.warmed.set()

    def _emit(self, events: list[TranscriptEvent]) -> None:
        for event in events:
            self._outbox.put(event)

    def _handle(self, op: int, call_id: str, payload: Any, sent_at: float | None) -> None:
        if op == OP_START:
            rate, grammar = payload
            # Grammar recognizers have their own small graph: nothing to gain from pooling them.
            self._sessions[call_id] = (
                StreamingSession.open(self._model, call_id, rate, grammar)
                if grammar
                else StreamingSession.from_pool(self._pool(rate), call_id)
            )
        elif op == OP_AUDIO:
            session = self._sessions.get(call_id)
            if session is not None:  # None: its start failed and was reported then
                self._emit(session.accept(payload, sent_at))
        elif op == OP_END:
            session = self._sessions.pop(call_id, None)
            if session is not None:
                self._emit(session.finish())
            else:
                self._emit([TranscriptEvent(call_id, "ended", "", 0.0, time.time())])

    def run(self) -> None:
        self._warm_up()
        while True:
            op, call_id, payload, sent_at = self.inbox.get()
            if op == OP_STOP:
                break
            try:
                self._handle(op, call_id, payload, sent_at)
            except BadFrameError as exc:
                self._emit([_error(call_id, f"丢弃坏帧 dropped bad frame: {exc}")])
            except Exception as exc:  # one call's failure must not stop the others
                self._emit([_error(call_id, f"识别出错 recognizer error: {exc!r}")])
        for call_id, session in self._sessions.items():  # shutdown: flush what each caller said last
            try:
                self._emit(session.finish())
            except Exception as exc:
                self._emit([_error(call_id, f"识别出错 recognizer error: {exc!r}")])
        self._sessions.clear()


class _Router:
    """Runs in the recognizer process's main thread: assigns calls to lanes, rejects strays."""

    def __init__(self, model: LoadedModel, outbox: Any, lanes: int, warmup: _Warmup | None) -> None:
        self._outbox = outbox
        self._lanes = [_Lane(i, model, outbox, warmup) for i in range(lanes)]
        self._calls: dict[str, _Lane] = {}
        self._reported: deque[str] = deque(maxlen=_MAX_REMEMBERED_UNKNOWN)
        for lane in self._lanes:
            lane.start()

    def wait_warm(self) -> None:
        for lane in self._lanes:
            lane.warmed.wait()

    def _stray(self, call_id: str, what: str) -> None:
        # Late batches after an end are normal at hang-up; report each unknown id once, not per batch.
        if call_id not in self._reported:
            self._reported.append(call_id)
            self._outbox.put(_error(call_id, f"未知通话，已丢弃 unknown call id, dropped {what}"))

    def dispatch(self, message: Any) -> bool:
        """Route one message; False means stop."""
        try:
            op, call_id, payload, sent_at = message
        except (TypeError, ValueError):
            self._outbox.put(_error("", f"无效消息 malformed message: {type(message).__name__}"))
            return True
        if op == OP_STOP:
            return False
        if op == OP_START:
            if call_id in self._calls:
                self._outbox.put(_error(call_id, "通话已开始 call already started"))
                return True
            lane = min(self._lanes, key=lambda candidate: candidate.calls)
            lane.calls += 1
            self._calls[call_id] = lane
        elif op in (OP_AUDIO, OP_END):
            lane = self._calls.get(call_id) if op == OP_AUDIO else self._calls.pop(call_id, None)
            if lane is None:
                self._stray(call_id, "audio" if op == OP_AUDIO else "end")
                return True
            if op == OP_END:
                lane.calls -= 1
        else:
            self._outbox.put(_error(str(call_id), f"未知操作 unknown op {op!r}"))
            return True
        lane.inbox.put((op, call_id, payload, sent_at))
        return True

    def stop(self) -> None:
        for lane in self._lanes:
            lane.inbox.put((OP_STOP, "", None, None))
        for lane in self._lanes:
            lane.join()


def _worker_main(
    model_path: str, inbox: Any, outbox: Any, lanes: int, log_level: int, warmup: _Warmup | None
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the parent, which stops us in order
    try:
        model = load_model(model_path, log_level=log_level)
    except Exception as exc:
        outbox.put(WorkerStatus("failed", str(exc)))
        return
    started = time.perf_counter()
    router = _Router(model, outbox, lanes, warmup)
    router.wait_warm()
    outbox.put(
        WorkerStatus(
            "ready",
            load_seconds=model.load_seconds,
            warmup_seconds=time.perf_counter() - started,
            runtime_grammar=model.runtime_grammar,
        )
    )
    parent = multiprocessing.parent_process()
    while True:
        try:
            message = inbox.get(timeout=_POLL_S)
        except queue.Empty:
            if parent is not None and not parent.is_alive():
                outbox.cancel_join_thread()  # nobody reads our events: do not block exit on them
                break
            continue
        except (EOFError, OSError):
            break
        if not router.dispatch(message):
            break
    router.stop()
    outbox.put(WorkerStatus("stopped"))


class StreamingTranscriber:
    """Parent-side handle of one recognizer process.

    Use ``with StreamingTranscriber(path) as t:`` or ``start()``/``close()``. Events come back either
    through ``on_event`` (called on a reader thread of this process) or by polling :meth:`get_event`.
    """

    def __init__(
        self,
        model_path: str | Path,
        *,
        lanes: int | None = None,
        default_sample_rate: int = 16000,
        max_pending_batches: int = 2000,
        log_level: int = -2,
        on_event: EventCallback | None = None,
        start_timeout: float = 120.0,
        warmup_pcm: bytes | None = None,
        warm_recognizers_per_lane: int = 1,
    ) -> None:
        """``warmup_pcm``: some speech at ``default_sample_rate`` (e.g. a prompt recording) decoded at
        start on ``warm_recognizers_per_lane`` recognizers per lane, so that the first calls do not
        pay for graph expansion (~1 s of extra latency on a cold recognizer)."""
        self.model_path = str(model_path)
        self.lanes = lanes or max(1, min(4, os.cpu_count() or 1))
        self.default_sample_rate = default_sample_rate
        self.max_pending_batches = max_pending_batches
        self._on_event = on_event
        self._start_timeout = start_timeout
        ctx = multiprocessing.get_context("spawn")
        self._inbox = ctx.Queue()
        # Batches still buffered for a recognizer that died must not block this process's exit.
        self._inbox.cancel_join_thread()
        self._outbox = ctx.Queue()
        self._process = ctx.Process(
            target=_worker_main,
            args=(
                self.model_path,
                self._inbox,
                self._outbox,
                self.lanes,
                log_level,
                None if warmup_pcm is None else (warmup_pcm, default_sample_rate, warm_recognizers_per_lane),
            ),
            name="hotline-asr",
            daemon=True,
        )
        self._pending: deque[TranscriptEvent] = deque()
        self._active: set[str] = set()
        self._lock = threading.Lock()
        self._closing = False
        self._reader: threading.Thread | None = None
        self.load_seconds = 0.0
        self.warmup_seconds = 0.0
        self.runtime_grammar = False
        self.dropped_batches = 0

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> float:
        """Start the process and wait until the model is loaded; returns its load time in seconds."""
        self._process.start()
        status = self._wait_ready()
        if not isinstance(status, WorkerStatus) or status.state != "ready":
            self._kill()
            detail = status.detail if isinstance(status, WorkerStatus) else repr(status)
            raise TranscriberError(f"识别进程启动失败 recognizer failed to start: {detail}")
        self.load_seconds = status.load_seconds
        self.warmup_seconds = status.warmup_seconds
        self.runtime_grammar = status.runtime_grammar
        if self._on_event is not None:
            self._reader = threading.Thread(target=self._read_loop, name="asr-events", daemon=True)
            self._reader.start()
        return self.load_seconds

    def _wait_ready(self) -> object:
        deadline = time.monotonic() + self._start_timeout
        while time.monotonic() < deadline:
            try:
                item = self._outbox.get(timeout=_POLL_S)
            except queue.Empty:
                if not self._process.is_alive():  # e.g. libvosk aborted while loading
                    return WorkerStatus("failed", f"process exited with code {self._process.exitcode}")
                continue
            if not isinstance(item, TranscriptEvent):
                return item
            self._pending.append(item)  # e.g. a warm-up warning: keep it for the caller
        return WorkerStatus("failed", f"model not loaded within {self._start_timeout} s")

    def __enter__(self) -> StreamingTranscriber:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def alive(self) -> bool:
        return self._process.is_alive()

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def close(self, timeout: float = 10.0) -> None:
        """Flush every active call (their last ``final`` + ``ended`` are still delivered), then stop."""
        if self._closing:
            return
        self._closing = True
        if self._process.is_alive():
            self._inbox.put((OP_STOP, "", None, time.monotonic()))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self._process.is_alive():
                if self._reader is None:
                    self._collect(min(_POLL_S, max(0.0, deadline - time.monotonic())))
                else:
                    self._process.join(_POLL_S)
        if self._reader is not None:
            self._reader.join(timeout)
        else:
            while self._collect(0.0):  # events written just before exit
                pass
        self._kill()
        self._inbox.close()

    def _kill(self) -> None:
        if self._process.is_alive():
            self._process.join(2.0)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(2.0)

    # -- input (called from telephony threads; never blocks) -------------------------------------
    def start_call(
        self, call_id: str, sample_rate: int | None = None, grammar: Sequence[str] | None = None
    ) -> bool:
        """Open a recognizer for ``call_id``. ``grammar``: optional phrase list (see recognizer)."""
        if self._closing or not self._process.is_alive():
            return False
        with self._lock:
            self._active.add(call_id)
        payload = (sample_rate or self.default_sample_rate, tuple(grammar) if grammar else None)
        self._inbox.put((OP_START, call_id, payload, time.monotonic()))
        return True

    def feed(self, call_id: str, pcm: bytes | bytearray | memoryview) -> bool:
        """Queue one batch (100–200 ms of 16-bit mono PCM). False if dropped (backlog or stopped)."""
        if self._closing or self._backlog() >= self.max_pending_batches or not self._process.is_alive():
            self.dropped_batches += 1
            return False
        data = pcm if isinstance(pcm, bytes) else bytes(pcm)
        self._inbox.put((OP_AUDIO, call_id, data, time.monotonic()))
        return True

    def _backlog(self) -> int:
        try:
            return self._inbox.qsize()
        except NotImplementedError:  # macOS has no sem_getvalue; Linux (production) does
            return 0

    def end_call(self, call_id: str) -> bool:
        """Flush and free the call's recognizer; its last ``final`` and an ``ended`` event follow."""
        if self._closing:
            return False
        self._inbox.put((OP_END, call_id, None, time.monotonic()))
        return True

    # -- output ---------------------------------------------------------------------------------
    def _accept(self, item: object) -> TranscriptEvent | None:
        if isinstance(item, TranscriptEvent):
            if item.kind == "ended":
                with self._lock:
                    self._active.discard(item.call_id)
            return item
        return None  # WorkerStatus "stopped": nothing for callers

    def _orphaned_events(self) -> list[TranscriptEvent]:
        """If the process died, tell every active call once instead of going silent."""
        if self._process.is_alive() or self._closing:
            return []
        with self._lock:
            calls, self._active = self._active, set()
        now = time.time()
        message = f"识别进程已退出 recognizer process died (exit code {self._process.exitcode})"
        return [
            e for c in sorted(calls) for e in (_error(c, message), TranscriptEvent(c, "ended", "", 0.0, now))
        ]

    def _collect(self, timeout: float) -> bool:
        try:
            item = self._outbox.get(timeout=timeout) if timeout > 0 else self._outbox.get_nowait()
        except queue.Empty:
            self._pending.extend(self._orphaned_events())
            return False
        event = self._accept(item)
        if event is not None:
            self._pending.append(event)
        return True

    def get_event(self, timeout: float | None = None) -> TranscriptEvent | None:
        """Next event, or None after ``timeout`` seconds (0 = just poll; None = wait while the
        process lives)."""
        if self._reader is not None:
            raise TranscriberError("events are delivered to on_event; get_event is not available")
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._pending:
            remaining = _POLL_S if deadline is None else max(0.0, deadline - time.monotonic())
            if self._collect(min(_POLL_S, remaining)) or self._pending:
                continue
            if (deadline is not None and time.monotonic() >= deadline) or not self._process.is_alive():
                return None
        return self._pending.popleft()

    def _read_loop(self) -> None:
        callback = self._on_event
        assert callback is not None
        while self._pending:  # anything that arrived before start() returned
            self._deliver(callback, self._pending.popleft())
        while True:
            try:
                item = self._outbox.get(timeout=_POLL_S)
            except queue.Empty:
                if not self._process.is_alive():
                    for event in self._orphaned_events():
                        self._deliver(callback, event)
                    return
                continue
            except (EOFError, OSError):
                return
            if isinstance(item, WorkerStatus) and item.state == "stopped":
                return
            event = self._accept(item)
            if event is not None:
                self._deliver(callback, event)

    @staticmethod
    def _deliver(callback: EventCallback, event: TranscriptEvent) -> None:
        try:
            callback(event)
        except Exception:  # a failing consumer must not stop delivery for the other calls
            log.exception("transcript event callback failed for call %s", event.call_id)
