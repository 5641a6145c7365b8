"""`hotline telephony --worker K`: one SIP worker process (pjsua2 on 127.0.0.1:base+K).

Threads: the main thread owns the pjsua2 Endpoint (SipStack); "flow" runs the call logic; "commands"
reads console commands from Redis; the recognizer is another process (voice_models.streaming).
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from types import FrameType

import redis
from rq import Queue

from hotline.config import Settings
from telephony.flow import CallFlow, Command, FlowConfig, TranscriptLine
from telephony.prompts import ensure_prompts, prompt_path
from ticketing.call_bus import COMMANDS_STREAM
from voice_models.streaming import StreamingTranscriber

log = logging.getLogger(__name__)
RTP_PORTS_PER_WORKER = 200


def parse_emergency(value: str) -> dict[str, str]:
    """ "110=sip:110@gw,119=sip:119@gw" → {"110": "sip:110@gw", ...}."""
    found = {}
    for item in value.split(","):
        if "=" in item:
            name, uri = item.split("=", 1)
            found[name.strip()] = uri.strip()
    return found


def _voice_model(settings: Settings) -> str | None:
    if settings.telephony_voice_model:
        return settings.telephony_voice_model
    from voice_models.locate import find_model

    located = find_model("zh")
    return str(located.path) if located else None


def _start_transcriber(settings: Settings, flow: CallFlow) -> StreamingTranscriber | None:
    if not settings.telephony_transcribe:
        return None
    model = _voice_model(settings)
    if model is None:
        log.warning("no Chinese speech model installed: calls run without a live transcript")
        return None
    from voice_models.audio import read_wav
    from voice_models.session import TranscriptEvent

    def forward(event: TranscriptEvent) -> None:
        if event.kind in ("partial", "final") and event.text:
            flow.post(TranscriptLine(event.call_id, event.kind == "final", event.text, event.batch_sent_at))

    warmup, _ = read_wav(prompt_path(settings.telephony_dir, "welcome"))
    transcriber = StreamingTranscriber(model, lanes=1, on_event=forward, warmup_pcm=warmup)
    transcriber.start()
    return transcriber


def _read_commands(client: redis.Redis, flow: CallFlow, stop: threading.Event) -> None:
    """Every worker reads every command and acts only on the calls it holds (see CallFlow._command)."""
    last = "$"
    while not stop.is_set():
        try:
            replies = client.xread({COMMANDS_STREAM: last}, block=1000, count=100)
        except redis.exceptions.RedisError:
            log.exception("reading telephony commands")
            time.sleep(1)
            continue
        for _stream, entries in replies or []:
            for entry_id, fields in entries:
                last = entry_id
                try:
                    payload = json.loads(fields[b"command"])
                    flow.post(Command(str(payload.pop("command")), payload))
                except (KeyError, ValueError):
                    log.warning("bad telephony command %r", fields)


def run_worker(settings: Settings, index: int) -> None:
    from telephony.sipstack import SipStack, StackConfig  # pjsua2 is only loaded here

    telephony_dir = settings.telephony_dir.resolve()
    ensure_prompts(telephony_dir)
    name = f"worker-{index}"
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    client = redis.Redis.from_url(settings.effective_redis_url)
    flow_config = FlowConfig(
        worker=name,
        telephony_dir=telephony_dir,
        ring_seconds=settings.telephony_ring_seconds,
        queue_seconds=settings.telephony_queue_seconds,
        voicemail_seconds=settings.telephony_voicemail_seconds,
        emergency=parse_emergency(settings.emergency_uris),
        database_url=settings.effective_database_url,
        gateway_uri_template=settings.gateway_uri_template,
    )
    stack_config = StackConfig(
        sip_port=settings.telephony_worker_port(index),
        rtp_port=settings.telephony_rtp_base_port + RTP_PORTS_PER_WORKER * index,
        rtp_port_range=RTP_PORTS_PER_WORKER,
        no_media_seconds=settings.telephony_no_media_seconds,
        log_file=str(telephony_dir / f"pjsip-{name}.log"),
    )
    # The flow and the stack know each other: the flow is made first, the stack is attached before
    # either thread starts.
    flow = CallFlow(flow_config, None, client, Queue("default", connection=client))
    transcriber = _start_transcriber(settings, flow)
    flow.transcriber = transcriber
    stack = SipStack(stack_config, flow.post, transcriber.feed if transcriber is not None else None)
    flow.stack = stack
    threads = [
        threading.Thread(target=flow.run, args=(stop,), name="flow", daemon=True),
        threading.Thread(target=_read_commands, args=(client, flow, stop), name="commands", daemon=True),
    ]
    for thread in threads:
        thread.start()
    log.info("telephony %s on 127.0.0.1:%d", name, stack_config.sip_port)
    try:
        stack.run(stop)  # returns after stop is set and the endpoint is destroyed
    finally:
        stop.set()
        for thread in threads:
            thread.join(5)
        if transcriber is not None:
            transcriber.close()
        client.close()
