"""One pjsua2 Endpoint, owned by the one thread that runs `SipStack.run` (telephony-notes §5).

Every pjsua2 call happens on that thread: other threads `submit` closures. Callbacks never block:
they turn pjsua2 state into `telephony.messages` handed to `sink` (a queue put). Call legs are keyed
by our own ids, because pjsua reuses its call ids.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pjsua2 as pj

from telephony.config import MAX_LEGS, StackConfig
from telephony.framecopy import vec_bytes
from telephony.messages import Answered, Digit, Ended, Incoming, MediaReady, NoMedia, TransferDone
from telephony.teardown import Registry, destroy_port, guarded, shutdown_endpoint

log = logging.getLogger(__name__)

CLOCK_RATE = 16000
FRAME_MS = 20
POLL_MS = 10
WATCHDOG_EVERY_S = 1.0

BatchSink = Callable[[str, bytes], None]
Sink = Callable[[object], None]


class FrameTap(pj.AudioMediaPort):
    """Copies a leg's received audio out in batches; runs on the conference clock thread, so it only
    copies (fast path) and hands the batch on."""

    def __init__(self, leg: str, batch_frames: int, sink: BatchSink) -> None:
        super().__init__()
        self._leg, self._batch_frames, self._sink = leg, batch_frames, sink
        self._frames: list[bytes] = []

    def onFrameReceived(self, frame: pj.MediaFrame) -> None:
        try:
            if frame.type != pj.PJMEDIA_FRAME_TYPE_AUDIO:
                return
            self._frames.append(vec_bytes(frame.buf))
            if len(self._frames) >= self._batch_frames:
                batch, self._frames = b"".join(self._frames), []
                self._sink(self._leg, batch)
        except Exception:  # never let a traceback pin this object (P5)
            log.exception("frame tap %s", self._leg)


class Leg(pj.Call):
    def __init__(self, stack: SipStack, key: str, role: str, call_id: int = pj.PJSUA_INVALID_ID) -> None:
        super().__init__(stack.account, call_id)
        self.stack, self.key, self.role = stack, key, role
        self.audio: pj.AudioMedia | None = None
        self.media_index = -1
        self.player: pj.AudioMediaPlayer | None = None
        self.recorders: dict[str, pj.AudioMediaRecorder] = {}
        self.tap: FrameTap | None = None
        self.confirmed_at: float | None = None
        self.rx_packets = 0
        self.rx_changed_at = 0.0
        self.rejected = False

    @guarded("onCallState")
    def onCallState(self, prm: pj.OnCallStateParam) -> None:
        info = self.getInfo()
        if info.state == pj.PJSIP_INV_STATE_CONFIRMED:
            self.confirmed_at = self.rx_changed_at = time.monotonic()
            if self.role != "caller":
                self.stack.sink(Answered(self.key))
        elif info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            had_media = self.audio is not None
            self.release_media()
            self.stack.legs.drop(self.key)  # P3: inside this callback
            if not self.rejected:
                self.stack.sink(Ended(self.key, info.lastStatusCode, info.lastReason, had_media))

    @guarded("onCallMediaState")
    def onCallMediaState(self, prm: pj.OnCallMediaStateParam) -> None:
        if self.audio is not None:
            return
        info = self.getInfo()  # keep it alive: `media` proxies point into it
        for media in info.media:
            if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
                self.media_index = media.index
                self.audio = self.getAudioMedia(media.index)
                if self.role == "caller" and self.stack.batch_sink is not None:
                    self._start_tap(self.stack.batch_sink)
                self.stack.sink(MediaReady(self.key))
                return

    def _start_tap(self, sink: BatchSink) -> None:
        fmt = pj.MediaFormatAudio()
        fmt.init(pj.PJMEDIA_FORMAT_PCM, CLOCK_RATE, 1, FRAME_MS * 1000, 16, 0, 0)
        if self.stack.tap_opened is not None:
            self.stack.tap_opened(self.key)
        tap = FrameTap(self.key, self.stack.config.tap_frames, sink)
        tap.createPort(f"tap-{self.key}", fmt)
        assert self.audio is not None
        self.audio.startTransmit(tap)
        self.tap = tap

    @guarded("onDtmfDigit")
    def onDtmfDigit(self, prm: pj.OnDtmfDigitParam) -> None:
        self.stack.sink(Digit(self.key, prm.digit))

    @guarded("onCallTransferStatus")
    def onCallTransferStatus(self, prm: pj.OnCallTransferStatusParam) -> None:
        if prm.finalNotify:
            self.stack.sink(TransferDone(self.key, prm.statusCode))

    def release_media(self) -> None:
        destroy_port(self.tap)  # P2: C++ first, while a clock-thread callback may be running
        self.tap = None
        self.player = None
        self.recorders.clear()  # closes the WAV files (header sizes are written now)
        self.audio = None

    def check_rx(self, now: float, limit: float) -> bool:
        """True when the leg has been answered but received no RTP for `limit` seconds."""
        if self.confirmed_at is None:
            return False
        if self.media_index >= 0:
            try:
                stat = self.getStreamStat(self.media_index)  # held: rtcp/rxStat point into it
                rtcp = stat.rtcp
                packets = rtcp.rxStat.pkt
            except pj.Error:
                packets = self.rx_packets
            if packets != self.rx_packets:
                self.rx_packets, self.rx_changed_at = packets, now
        return now - self.rx_changed_at > limit


class _Account(pj.Account):
    def __init__(self, stack: SipStack) -> None:
        super().__init__()
        self.stack = stack

    @guarded("onIncomingCall")
    def onIncomingCall(self, prm: pj.OnIncomingCallParam) -> None:
        self.stack.incoming(prm.callId)


class SipStack:
    def __init__(
        self,
        config: StackConfig,
        sink: Sink,
        batch_sink: BatchSink | None = None,
        tap_opened: Callable[[str], object] | None = None,
    ) -> None:
        """`batch_sink(leg, pcm)` receives each caller's audio batches; `tap_opened(leg)` runs on this
        thread just before the first batch (the recognizer must know the call before its audio)."""
        self.config, self.sink, self.batch_sink, self.tap_opened = config, sink, batch_sink, tap_opened
        self.legs: Registry[Leg] = Registry()
        self._commands: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._sequence = 0
        self.endpoint: pj.Endpoint | None = None
        self.account: _Account | None = None
        self.ready = threading.Event()

    # -- any thread ------------------------------------------------------------------------------
    def submit(self, command: Callable[[], None]) -> None:
        self._commands.put(command)

    # -- the pj thread ---------------------------------------------------------------------------
    def _start(self) -> None:
        ep = self.endpoint = pj.Endpoint()
        ep.libCreate()
        cfg = pj.EpConfig()
        cfg.uaConfig.threadCnt = 0  # we poll: one thread owns everything
        cfg.uaConfig.mainThreadOnly = True  # DTMF callbacks come to the poller too
        cfg.uaConfig.maxCalls = MAX_LEGS
        cfg.uaConfig.userAgent = self.config.user_agent
        cfg.medConfig.clockRate = CLOCK_RATE
        cfg.medConfig.sndClockRate = CLOCK_RATE
        cfg.medConfig.quality = 4  # half the resampling CPU of the default 8 (§7)
        cfg.medConfig.noVad = True
        cfg.medConfig.ecTailLen = 0
        cfg.medConfig.maxMediaPorts = 256
        cfg.logConfig.level = 3 if self.config.log_file else 1
        cfg.logConfig.consoleLevel = 1
        if self.config.log_file:
            cfg.logConfig.filename = self.config.log_file
        ep.libInit(cfg)
        transport = pj.TransportConfig()
        transport.port = self.config.sip_port
        transport.boundAddress = transport.publicAddress = "127.0.0.1"
        ep.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
        ep.libStart()
        ep.audDevManager().setNullDev()  # P1: the bridge needs a clock
        acc = pj.AccountConfig()
        acc.idUri = f"sip:12345@127.0.0.1:{self.config.sip_port}"  # no registration: the edge routes to us
        acc.mediaConfig.transportConfig.boundAddress = "127.0.0.1"
        acc.mediaConfig.transportConfig.port = self.config.rtp_port
        acc.mediaConfig.transportConfig.portRange = self.config.rtp_port_range
        self.account = _Account(self)
        self.account.create(acc, True)

    def run(self, stop: threading.Event) -> None:
        """Start the endpoint, poll until `stop` is set, then shut down cleanly (§5)."""
        self._start()
        assert self.endpoint is not None
        self.ready.set()
        next_watchdog = time.monotonic() + WATCHDOG_EVERY_S
        try:
            while not stop.is_set():
                self.endpoint.libHandleEvents(POLL_MS)
                self._drain()
                now = time.monotonic()
                if now >= next_watchdog:
                    next_watchdog = now + WATCHDOG_EVERY_S
                    self._watchdog(now)
        finally:
            self._drain()
            self.account_holder: list[Any] = [self.account]
            self.account = None
            shutdown_endpoint(self.endpoint, self.legs, self.endpoint.libHandleEvents, self.account_holder)
            self.endpoint = None

    def _drain(self) -> None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                command()
            except Exception:
                log.exception("telephony command failed")

    def _watchdog(self, now: float) -> None:
        for key in self.legs:
            leg = self.legs.get(key)
            if leg is not None and leg.check_rx(now, self.config.no_media_seconds):
                log.warning("leg %s: no RTP for %.0f s, hanging up", key, self.config.no_media_seconds)
                leg.confirmed_at = None  # once
                self.sink(NoMedia(key))
                self._hangup(leg, 408)

    def new_key(self, role: str) -> str:
        self._sequence += 1
        return f"{self.config.sip_port}-{role[0]}{self._sequence}-{int(time.time() * 1000) % 10**8}"

    def incoming(self, call_id: int) -> None:
        callers = sum(1 for key in self.legs if (leg := self.legs.get(key)) and leg.role == "caller")
        leg = Leg(self, self.new_key("caller"), "caller", call_id)
        self.legs.add(leg.key, leg)
        op = pj.CallOpParam()
        if callers >= self.config.max_callers or len(self.legs) > MAX_LEGS:
            leg.rejected = True  # 486 makes the edge try the next worker
            op.statusCode = 486
            leg.hangup(op)
            return
        info = leg.getInfo()
        self.sink(Incoming(leg.key, info.callIdString, info.remoteUri))
        op.statusCode = 200
        leg.answer(op)

    # -- commands (run on the pj thread through submit) -------------------------------------------
    def _leg(self, key: str) -> Leg | None:
        leg = self.legs.get(key)
        if leg is None:
            log.info("leg %s is gone", key)
        return leg

    @staticmethod
    def _hangup(leg: Leg, code: int = 200) -> None:
        op = pj.CallOpParam()
        op.statusCode = code
        try:
            leg.hangup(op)
        except pj.Error as error:
            log.info("hangup %s: %s", leg.key, error.info())

    def hangup(self, key: str, code: int = 200) -> None:
        leg = self._leg(key)
        if leg is not None:
            self._hangup(leg, code)

    def play(self, key: str, path: Path, loop: bool = False) -> None:
        leg = self._leg(key)
        if leg is None or leg.audio is None:
            return
        player = pj.AudioMediaPlayer()
        player.createPlayer(str(path), 0 if loop else pj.PJMEDIA_FILE_NO_LOOP)
        player.startTransmit(leg.audio)
        leg.player = player  # the previous player (if any) is destroyed and stops

    def play_list(self, key: str, paths: list[Path]) -> None:
        """Prompt fragments one after another (e.g. "your ticket is" + "in progress")."""
        leg = self._leg(key)
        if leg is None or leg.audio is None:
            return
        player = pj.AudioMediaPlayer()
        files = pj.StringVector()
        for path in paths:
            files.append(str(path))
        player.createPlaylist(files, "fragments", pj.PJMEDIA_FILE_NO_LOOP)
        player.startTransmit(leg.audio)
        leg.player = player

    def stop_play(self, key: str) -> None:
        leg = self._leg(key)
        if leg is not None:
            leg.player = None

    def record(self, key: str, name: str, path: Path, *others: str) -> None:
        """Record what `key` receives (plus what each of `others` receives) into `path`."""
        leg = self._leg(key)
        if leg is None or leg.audio is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        recorder = pj.AudioMediaRecorder()
        recorder.createRecorder(str(path))
        leg.audio.startTransmit(recorder)
        for other_key in others:
            other = self.legs.get(other_key)
            if other is not None and other.audio is not None:
                other.audio.startTransmit(recorder)
        leg.recorders[name] = recorder

    def stop_record(self, key: str, name: str) -> None:
        leg = self._leg(key)
        if leg is not None:
            leg.recorders.pop(name, None)

    def dial(self, key: str, uri: str, role: str) -> None:
        leg = Leg(self, key, role)
        self.legs.add(key, leg)
        try:
            leg.makeCall(uri, pj.CallOpParam(True))
        except pj.Error as error:
            self.legs.drop(key)
            self.sink(Ended(key, 500, error.info(), False))

    def bridge(self, a: str, b: str, *, record_into: tuple[str, str] | None = None) -> None:
        """Connect two legs both ways; `record_into=(leg, recorder)` adds `b`'s audio to that recorder."""
        first, second = self._leg(a), self._leg(b)
        if first is None or second is None or first.audio is None or second.audio is None:
            return
        first.audio.startTransmit(second.audio)
        second.audio.startTransmit(first.audio)
        if record_into is not None:
            holder = self.legs.get(record_into[0])
            recorder = holder.recorders.get(record_into[1]) if holder is not None else None
            if recorder is not None:
                second.audio.startTransmit(recorder)

    def transfer(self, key: str, uri: str) -> None:
        """Blind transfer: REFER the leg's far end to `uri`."""
        leg = self._leg(key)
        if leg is not None:
            leg.xfer(uri, pj.CallOpParam(True))
