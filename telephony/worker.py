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

from telephony import acd
from telephony.config import WorkerConfig
from telephony.flow import CallFlow, Command, TranscriptLine
from telephony.leader_line import LeaderLine
from telephony.prompts import ensure_prompts, prompt_path
from ticketing.call_bus import COMMANDS_STREAM
from voice_models.streaming import StreamingTranscriber

log = logging.getLogger(__name__)


def _start_transcriber(config: WorkerConfig, flow: CallFlow) -> StreamingTranscriber | None:
    model = config.voice_model
    if model is None:
        return None
    from voice_models.audio import read_wav
    from voice_models.session import TranscriptEvent

    def forward(event: TranscriptEvent) -> None:
        if event.kind in ("partial", "final") and event.text:
            flow.post(TranscriptLine(event.call_id, event.kind == "final", event.text, event.batch_sent_at))

    warmup, _ = read_wav(prompt_path(config.telephony_dir, "welcome"))
    transcriber = StreamingTranscriber(model, lanes=1, on_event=forward, warmup_pcm=warmup)
    transcriber.start()
    return transcriber


def _stream_end(client: redis.Redis) -> str:
    """The id of the newest command now, so nothing sent after this worker says it is up is missed
    (reading from "$" would miss what arrives before the first XREAD)."""
    newest = client.xrevrange(COMMANDS_STREAM, count=1)
    return newest[0][0].decode() if newest else "0-0"


def _read_commands(client: redis.Redis, flow: CallFlow, stop: threading.Event, last: str) -> None:
    """Every worker reads every command and acts only on the calls it holds (see CallFlow._command)."""
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


def run_worker(config: WorkerConfig) -> None:
    from telephony.sipstack import SipStack  # pjsua2 is only loaded here

    ensure_prompts(config.telephony_dir)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    client = redis.Redis.from_url(config.redis_url)
    # The flow and the stack know each other: the flow is made first, the stack is attached before
    # either thread starts.
    leader_line = (
        LeaderLine(config.flow.database_url, registered_phone_uri=config.flow.registered_phone_uri)
        if config.flow.database_url
        else None
    )
    acd.free_direct_lines_of(client, config.flow.worker)
    if leader_line is not None:
        leader_line.refresh_safely()  # before the first call: a session on the air now is known at once
    flow = CallFlow(config.flow, None, client, Queue("default", connection=client), leader_line=leader_line)
    transcriber = _start_transcriber(config, flow)
    flow.transcriber = transcriber
    stack = SipStack(
        config.stack,
        flow.post,
        transcriber.feed if transcriber is not None else None,
        transcriber.start_call if transcriber is not None else None,
    )
    flow.stack = stack
    threads = [
        threading.Thread(target=flow.run, args=(stop,), name="flow", daemon=True),
        threading.Thread(
            target=_read_commands,
            args=(client, flow, stop, _stream_end(client)),
            name="commands",
            daemon=True,
        ),
    ]
    if leader_line is not None:
        threads.append(
            threading.Thread(target=leader_line.run, args=(stop,), name="leader-line", daemon=True)
        )
    for thread in threads:
        thread.start()
    log.info("telephony %s on 127.0.0.1:%d", config.name, config.stack.sip_port)
    try:
        stack.run(stop)  # returns after stop is set and the endpoint is destroyed
    finally:
        stop.set()
        for thread in threads:
            thread.join(5)
        if transcriber is not None:
            transcriber.close()
        flow.surveys.close()
        client.close()
