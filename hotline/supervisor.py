"""Runs the hotline's processes as children: starts them in order, restarts one that dies, and on
Ctrl-C or SIGTERM stops them in reverse order (by pid) before exiting.

Children run in their own sessions, so a terminal's Ctrl-C reaches only the supervisor and the
shutdown order stays ours.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 10.0
POLL_INTERVAL_S = 0.5
MAX_BACKOFF_S = 30.0
STABLE_AFTER_S = 60.0  # a child that ran this long starts again with no back-off


@dataclass
class ChildSpec:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    # Blocks until the child serves; raises if it cannot (e.g. the process exited).
    ready: Callable[[subprocess.Popen[bytes]], None] | None = None
    before_prepare: bool = False  # started before the prepare step (e.g. redis, which migrations need)


@dataclass
class _Child:
    spec: ChildSpec
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    backoff: float = 1.0
    restart_at: float | None = None


class Supervisor:
    def __init__(self, specs: list[ChildSpec]) -> None:
        self.children = [_Child(spec) for spec in specs]
        self._stopping = False

    def _start(self, child: _Child) -> None:
        env = {**os.environ, **child.spec.env}
        child.process = subprocess.Popen(child.spec.argv, env=env, start_new_session=True)
        child.started_at = time.monotonic()
        child.restart_at = None
        log.info("started %s (pid %d)", child.spec.name, child.process.pid)
        if child.spec.ready is not None:
            try:
                child.spec.ready(child.process)
            except Exception as error:  # the watch loop restarts it if it died; a slow start only warns
                log.warning("%s is not ready: %s", child.spec.name, error)

    def request_stop(self, signum: int = signal.SIGTERM, _frame: FrameType | None = None) -> None:
        log.info("stopping on signal %d", signum)
        self._stopping = True

    def _start_where(self, before_prepare: bool) -> None:
        for child in self.children:
            if child.spec.before_prepare == before_prepare:
                self._start(child)

    def _check(self, child: _Child) -> None:
        now = time.monotonic()
        if child.restart_at is not None:
            if now >= child.restart_at:
                self._start(child)
            return
        if child.process is None or child.process.poll() is None:
            return
        uptime = now - child.started_at
        child.backoff = 1.0 if uptime >= STABLE_AFTER_S else min(child.backoff * 2, MAX_BACKOFF_S)
        log.warning(
            "%s (pid %d) exited with %s after %.0f s; restarting in %.0f s",
            child.spec.name,
            child.process.pid,
            child.process.returncode,
            uptime,
            child.backoff,
        )
        child.restart_at = now + child.backoff

    def run(
        self, prepare: Callable[[], None] | None = None, on_ready: Callable[[], None] | None = None
    ) -> int:
        """Start the early children, run `prepare`, start the rest, watch until told to stop, then stop
        everything. Returns an exit code."""
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)
        try:
            self._start_where(before_prepare=True)
            if prepare is not None:
                prepare()
            self._start_where(before_prepare=False)
            if on_ready is not None:
                on_ready()
            while not self._stopping:
                for child in self.children:
                    self._check(child)
                time.sleep(POLL_INTERVAL_S)
        finally:
            self.stop_all()
        return 0

    def stop_all(self) -> None:
        for child in reversed(self.children):
            process = child.process
            if process is None or process.poll() is not None:
                continue
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop in %.0f s; killing it", child.spec.name, STOP_TIMEOUT_S)
                process.kill()
                process.wait()
            log.info("stopped %s", child.spec.name)
