"""The inbound call flow, run on its own thread: welcome → (menu) → agent queue → bridge, or voicemail.

It reacts to `telephony.messages` from the SIP thread, timers, transcript lines and console commands,
and answers with closures for the SIP thread (`stack.submit`), call events to Redis and RQ jobs for
everything that touches the database. It never calls pjsua2 itself and never blocks on the SIP side.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import queue
import re
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from datetime import time as dt_time
from pathlib import Path
from typing import Any, Protocol

import redis
from rq import Queue

from telephony import acd, jobs
from telephony.hours import staffed
from telephony.leader_line import ANNOUNCEMENT, SESSION_KEY, LeaderLine
from telephony.messages import Answered, Digit, Ended, Incoming, MediaReady, NoMedia, TransferDone
from telephony.prompts import duration_seconds, prompt_path
from telephony.survey_call import SurveyCalls
from ticketing.call_bus import CallEvent, CallEventKind, publish_call_event
from ticketing.errors import InvalidInput
from ticketing.phones import normalise_phone

log = logging.getLogger(__name__)
ACD_RETRY_S = 0.5
_NUMBER = re.compile(r"^(?:sips?|tel):(\+?[0-9]{3,20})[@;>]?")


class Stack(Protocol):
    """What the flow asks of the SIP thread; every method but `submit` runs on that thread."""

    def submit(self, command: Callable[[], None]) -> None: ...
    def play(self, key: str, path: Path, loop: bool = False) -> None: ...
    def play_list(self, key: str, paths: list[Path]) -> None: ...
    def stop_play(self, key: str) -> None: ...
    def record(self, key: str, name: str, path: Path, *others: str) -> None: ...
    def stop_record(self, key: str, name: str) -> None: ...
    def hangup(self, key: str, code: int = 200) -> None: ...
    def dial(self, key: str, uri: str, role: str) -> None: ...
    def bridge(self, a: str, b: str, *, record_into: tuple[str, str] | None = None) -> None: ...
    def transfer(self, key: str, uri: str) -> None: ...


class Transcriber(Protocol):
    def end_call(self, call_id: str) -> Any: ...


@dataclass(frozen=True)
class FlowConfig:
    worker: str
    telephony_dir: Path
    ring_seconds: float = 15.0
    queue_seconds: float = 60.0
    voicemail_seconds: float = 120.0
    emergency: dict[str, str] = field(default_factory=dict)  # "110" → SIP URI
    batch_seconds: float = 0.1  # live-transcript batch length (the tap's frames × 20 ms)
    database_url: str = ""  # for the DTMF progress query; empty: the menu key is ignored
    gateway_uri_template: str = ""  # outbound calls: "sip:{number}@gateway"
    staffed_hours: tuple[dt_time, dt_time] | None = None  # None: always staffed
    survey_model: str = ""  # the Chinese model for spoken survey answers; empty: keys only
    registered_phone_uri: str = ""  # "sip:{username}@edge": agents' phones registered at the edge

    @property
    def recordings_dir(self) -> Path:
        return self.telephony_dir / "recordings"


@dataclass(frozen=True)
class TranscriptLine:
    call_id: str
    final: bool
    text: str
    batch_sent_at: float | None  # time.monotonic() when the batch that produced it left the tap


@dataclass(frozen=True)
class Command:
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ProgressResult:
    call_id: str
    number: str
    status: str | None  # None: no such ticket


@dataclass
class Outbound:
    """A call placed by the dialing primitive: dial, play a prompt, collect keys, report."""

    key: str
    request_id: str
    number: str
    prompt: str | None
    max_digits: int
    started_at: datetime
    answered_at: datetime | None = None
    digits: str = ""
    generation: int = 0
    done: bool = False


DIAL_CLAIM = "hotline:telephony:dial:{request_id}"
MENU_PROGRESS = "1"
MAX_TICKET_DIGITS = 20


@dataclass
class Caller:
    key: str
    sip_call_id: str
    remote_uri: str
    number: str | None
    details: dict[str, Any]
    started_at: datetime
    phase: str = "answering"  # answering → queued ⇄ ringing → bridged | voicemail → ended
    queued_mono: float | None = None
    queued_at: datetime | None = None
    answered_at: datetime | None = None
    wait_seconds: float | None = None
    agent: acd.ClaimedAgent | None = None
    agent_leg: str | None = None
    extra_legs: list[str] = field(default_factory=list)
    recording: Path | None = None
    voicemail: Path | None = None
    voicemail_started: bool = False
    digits: str = ""
    generation: int = 0  # bumps on every phase change; stale timers compare it
    transferred_to: str | None = None
    scratch: list[str] = field(default_factory=list)  # files the call record job deletes


def caller_details(remote_uri: str) -> tuple[str | None, dict[str, Any]]:
    """E.164 and the screen-pop details (region, carrier) from the From URI; None when not a number."""
    found = _NUMBER.match(remote_uri.strip().strip("<").split(" <")[-1].lstrip("<"))
    if found is None:
        return None, {"raw_caller": remote_uri}
    try:
        phone = normalise_phone(found.group(1))
    except InvalidInput:
        return None, {"raw_caller": found.group(1)}
    return phone.e164, {"region": phone.region, "carrier": phone.carrier, "mobile": phone.is_mobile}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


class CallFlow:
    def __init__(
        self,
        config: FlowConfig,
        stack: Stack | None,
        client: redis.Redis,
        jobs_queue: Queue,
        transcriber: Transcriber | None = None,
        leader_line: LeaderLine | None = None,
    ) -> None:
        self.config, self.redis, self.jobs = config, client, jobs_queue
        self.leader_line = leader_line
        self.stack: Stack = stack  # type: ignore[assignment]  # None only until the worker attaches it
        self.transcriber = transcriber
        self.inbox: queue.Queue[object] = queue.Queue()
        self.callers: dict[str, Caller] = {}
        self._leg_owner: dict[str, str] = {}  # outbound leg → caller key
        self.outbound: dict[str, Outbound] = {}  # legs of the dialing primitive
        self._timers: list[tuple[float, int, str, int, str]] = []
        self._sequence = itertools.count()
        self.prompt_seconds: dict[str, float] = {}
        # Database lookups (progress query) run here, never on the flow or SIP thread.
        self._lookups = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lookup")
        self.surveys = SurveyCalls(self, config.survey_model or None)

    # -- plumbing ----------------------------------------------------------------------------------
    def post(self, message: object) -> None:
        """Thread-safe; the SIP thread's sink."""
        self.inbox.put(message)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            timeout = 0.2
            if self._timers:
                timeout = max(0.0, min(timeout, self._timers[0][0] - time.monotonic()))
            try:
                message = self.inbox.get(timeout=timeout)
            except queue.Empty:
                message = None
            try:
                if message is not None:
                    self.handle(message)
                self._fire_timers()
            except Exception:
                log.exception("call flow failed on %r", message)

    def sip(self, method: Callable[..., None], *args: Any, **kwargs: Any) -> None:
        """Run a stack method on the SIP thread (arguments are bound now, not when it runs)."""
        self.stack.submit(functools.partial(method, *args, **kwargs))

    def after(self, seconds: float, caller: Caller | Outbound, action: str) -> None:
        due = time.monotonic() + seconds
        heapq.heappush(self._timers, (due, next(self._sequence), caller.key, caller.generation, action))

    def _fire_timers(self) -> None:
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:
            _, _, key, generation, action = heapq.heappop(self._timers)
            if key in self.surveys.calls:
                call = self.surveys.calls[key]
                if call.generation == generation:
                    getattr(self.surveys, f"on_{action}")(call)
                continue
            caller = self.callers.get(key) or self.outbound.get(key)
            if caller is not None and caller.generation == generation:
                getattr(self, f"_on_{action}")(caller)

    def _phase(self, caller: Caller, phase: str) -> None:
        caller.phase = phase
        caller.generation += 1

    def prompt(self, name: str) -> Path:
        return prompt_path(self.config.telephony_dir, name)

    def prompt_length(self, name: str) -> float:
        if name not in self.prompt_seconds:
            self.prompt_seconds[name] = duration_seconds(self.prompt(name))
        return self.prompt_seconds[name]

    def _publish(self, kind: CallEventKind, caller: Caller, **extra: Any) -> None:
        # sip_call_id: the key of the call record, so the console can link it to the ticket it creates.
        details = {
            **caller.details,
            "worker": self.config.worker,
            "sip_call_id": caller.sip_call_id,
            **extra.pop("details", {}),
        }
        event = CallEvent(
            kind=kind,
            call_id=caller.key,
            at=datetime.now(UTC).isoformat(),
            agent=caller.agent.username if caller.agent else None,
            caller=caller.number,
            details=details,
            **extra,
        )
        publish_call_event(self.redis, event)

    # -- messages ------------------------------------------------------------------------------------
    def handle(self, message: object) -> None:
        leg = getattr(message, "leg", None)
        if leg is not None and leg in self.surveys.calls:
            self.surveys.handle(self.surveys.calls[leg], message)
            return
        if leg is not None and leg in self.outbound:
            self._outbound_message(self.outbound[leg], message)
            return
        match message:
            case Incoming():
                self._incoming(message)
            case MediaReady(leg=leg) if leg in self.callers:
                self._caller_media(self.callers[leg])
            case Answered(leg=leg):
                self._leg_answered(leg)
            case Ended():
                self._ended(message)
            case Digit(leg=leg, digit=digit) if leg in self.callers:
                self._digit(self.callers[leg], digit)
            case NoMedia(leg=leg) if leg in self.callers:
                self.callers[leg].details["watchdog"] = "no_media"
            case TransferDone(leg=leg, status=status) if leg in self.callers:
                self._transfer_done(self.callers[leg], status)
            case ProgressResult():
                self._progress_result(message)
            case TranscriptLine():
                self._transcript(message)
            case Command():
                self._command(message)
            case _:
                log.debug("ignored %r", message)

    def _incoming(self, message: Incoming) -> None:
        number, details = caller_details(message.remote_uri)
        caller = Caller(
            message.leg, message.sip_call_id, message.remote_uri, number, details, datetime.now(UTC)
        )
        self.callers[caller.key] = caller

    def _caller_media(self, caller: Caller) -> None:
        caller.recording = self.config.recordings_dir / f"{caller.key}.wav"
        session = self.leader_line.on_air(datetime.now(UTC)) if self.leader_line else None
        if session is not None:
            caller.details.update({SESSION_KEY: session.session_id, "leader": session.leader_username})
        self.sip(self.stack.play, caller.key, self.prompt(ANNOUNCEMENT if session else "welcome"))
        path = caller.recording
        self.sip(self.stack.record, caller.key, "call", path)
        caller.queued_mono = time.monotonic()
        caller.queued_at = datetime.now(UTC)
        self._phase(caller, "queued")
        if session is not None:  # the leader is in: the caller hears the whole announcement first
            self._publish(CallEventKind.QUEUED, caller)
            self.after(self.prompt_length(ANNOUNCEMENT), caller, "retry")
            return
        if not staffed(self.config.staffed_hours, caller.queued_at):
            self._publish(CallEventKind.QUEUED, caller, details={"after_hours": True})
            self._on_queue_limit(caller)  # nobody will come: voicemail now
            return
        self._publish(CallEventKind.QUEUED, caller)
        self.after(self.config.queue_seconds, caller, "queue_limit")
        self._try_agent(caller)

    def _try_agent(self, caller: Caller) -> None:
        session_id = caller.details.get(SESSION_KEY)
        if session_id is not None and self.leader_line is not None:
            agent = self.leader_line.claim(
                self.redis, session_id, self.config.worker, self.config.registered_phone_uri
            )
        else:
            agent = acd.claim_agent(self.redis, self.config.registered_phone_uri)
        if agent is None:
            self.after(ACD_RETRY_S, caller, "retry")
            return
        caller.agent = agent
        leg = caller.agent_leg = f"{caller.key}-a{uuid.uuid4().hex[:6]}"
        self._leg_owner[leg] = caller.key
        self._phase(caller, "ringing")
        self.sip(self.stack.dial, leg, agent.sip_uri, "agent")
        self._publish(CallEventKind.OFFERED, caller, details={"wait_seconds": self._waited(caller)})
        self.after(self.config.ring_seconds, caller, "ring_timeout")
        self.after(self.config.queue_seconds - self._waited(caller), caller, "queue_limit")

    def _waited(self, caller: Caller) -> float:
        return round(time.monotonic() - (caller.queued_mono or time.monotonic()), 3)

    def _on_retry(self, caller: Caller) -> None:
        self._phase(caller, "queued")
        self.after(self.config.queue_seconds - self._waited(caller), caller, "queue_limit")
        self._try_agent(caller)

    def _drop_agent_leg(self, caller: Caller, *, agent_fault: bool) -> None:
        if caller.agent_leg is not None:
            leg = caller.agent_leg
            self.sip(self.stack.hangup, leg, 487)
            caller.agent_leg = None
        if caller.agent is not None:
            (acd.missed if agent_fault else acd.give_back)(self.redis, caller.agent)
            caller.agent = None

    def _on_ring_timeout(self, caller: Caller) -> None:
        log.info("%s: agent %s did not answer", caller.key, caller.agent and caller.agent.username)
        self._drop_agent_leg(caller, agent_fault=True)
        self._on_retry(caller)

    def _on_queue_limit(self, caller: Caller) -> None:
        if caller.phase not in ("queued", "ringing"):
            return
        self._drop_agent_leg(caller, agent_fault=False)
        self._phase(caller, "voicemail")
        self.sip(self.stack.play, caller.key, self.prompt("voicemail"))
        self.after(self.prompt_length("voicemail") + 0.2, caller, "voicemail_beep")

    def _on_voicemail_beep(self, caller: Caller) -> None:
        self.sip(self.stack.play, caller.key, self.prompt("beep"))
        self.after(self.prompt_length("beep"), caller, "voicemail_record")

    def _on_voicemail_record(self, caller: Caller) -> None:
        caller.voicemail = path = self.config.recordings_dir / f"{caller.key}-voicemail.wav"
        caller.voicemail_started = True
        self.sip(self.stack.record, caller.key, "voicemail", path)
        self.after(self.config.voicemail_seconds, caller, "voicemail_full")

    def _on_voicemail_full(self, caller: Caller) -> None:
        self.sip(self.stack.hangup, caller.key)

    def _leg_answered(self, leg: str) -> None:
        owner = self.callers.get(self._leg_owner.get(leg, ""))
        if owner is None:
            self.sip(self.stack.hangup, leg)
            return
        if leg in owner.extra_legs:  # emergency service joined the conference
            # Three-way: the caller and the agent both talk to the service; the recording hears it too.
            self.sip(self.stack.bridge, owner.key, leg, record_into=(owner.key, "call"))
            if owner.agent_leg is not None:
                self.sip(self.stack.bridge, owner.agent_leg, leg)
            return
        if leg != owner.agent_leg or owner.phase != "ringing":
            self.sip(self.stack.hangup, leg)
            return
        owner.answered_at = datetime.now(UTC)
        owner.wait_seconds = self._waited(owner)
        self._phase(owner, "bridged")
        key = owner.key
        self.sip(self.stack.stop_play, key)
        self.sip(self.stack.bridge, key, leg, record_into=(key, "call"))
        # The agent's side alone, beside the mixed recording: evidence that the bridge carries audio both
        # ways (the acceptance tests compare it); the call record job deletes it.
        agent_side = self.config.recordings_dir / f"{leg}.wav"
        owner.scratch.append(str(agent_side))
        self.sip(self.stack.record, leg, "agent_rx", agent_side)
        self._publish(CallEventKind.ANSWERED, owner, details={"wait_seconds": owner.wait_seconds})

    def _ended(self, message: Ended) -> None:
        owner_key = self._leg_owner.pop(message.leg, None)
        if owner_key is not None:
            owner = self.callers.get(owner_key)
            if owner is not None:
                self._other_leg_ended(owner, message)
            return
        caller = self.callers.pop(message.leg, None)
        if caller is not None:
            self._caller_ended(caller, message)

    def _other_leg_ended(self, owner: Caller, message: Ended) -> None:
        if message.leg in owner.extra_legs:
            owner.extra_legs.remove(message.leg)
            return
        if message.leg != owner.agent_leg:
            return
        owner.agent_leg = None
        if owner.phase == "ringing":  # busy, declined, unreachable: next agent
            log.info("%s: agent leg failed with %s %s", owner.key, message.status, message.reason)
            if owner.agent is not None:
                acd.missed(self.redis, owner.agent)
                owner.agent = None
            self._on_retry(owner)
        elif owner.phase == "bridged":  # the agent hung up: the call is over
            key = owner.key
            self.sip(self.stack.hangup, key)

    def _caller_ended(self, caller: Caller, message: Ended) -> None:
        ended_at = datetime.now(UTC)
        if caller.phase in ("queued", "ringing"):
            outcome, kind = "abandoned", CallEventKind.ABANDONED
        elif caller.phase == "voicemail" and caller.voicemail_started:
            outcome, kind = "voicemail", CallEventKind.VOICEMAIL
        elif caller.phase == "voicemail":
            outcome, kind = "abandoned", CallEventKind.ABANDONED
        elif caller.phase == "bridged":
            outcome, kind = "answered", CallEventKind.ENDED
        elif caller.phase in ("progress", "progress_lookup"):
            outcome, kind = "self_service", CallEventKind.ENDED  # served by the progress query
        else:
            outcome, kind = ("no_media" if not message.had_media else "ended"), CallEventKind.ENDED
        if caller.transferred_to:
            outcome = f"transferred:{caller.transferred_to}"
        agent = caller.agent
        if caller.agent_leg is not None:
            leg = caller.agent_leg
            self.sip(self.stack.hangup, leg)
        for leg in caller.extra_legs:
            self.sip(self.stack.hangup, leg)
        if agent is not None:
            if caller.phase == "bridged":
                acd.call_finished(self.redis, agent)
            else:
                acd.give_back(self.redis, agent)
        self._phase(caller, "ended")
        if self.transcriber is not None and caller.queued_mono is not None:
            self.transcriber.end_call(caller.key)
        wait = caller.wait_seconds if caller.wait_seconds is not None else self._waited(caller)
        self._publish(kind, caller, details={"outcome": outcome, "wait_seconds": wait})
        record = {
            "sip_call_id": caller.sip_call_id,
            "call_key": caller.key,
            "direction": "inbound",
            "caller": caller.number or caller.details.get("raw_caller"),
            "callee": "12345",
            "started_at": _iso(caller.started_at),
            "queued_at": _iso(caller.queued_at),
            "answered_at": _iso(caller.answered_at),
            "ended_at": _iso(ended_at),
            "wait_seconds": wait if caller.queued_at else None,
            "outcome": outcome,
            "agent": agent.username if agent else None,
            "worker": self.config.worker,
            "scratch_files": caller.scratch,
        }
        recording = str(caller.recording) if caller.recording else None
        if outcome == "voicemail" and caller.voicemail is not None:
            self.jobs.enqueue(jobs.voicemail_job, record, str(caller.voicemail), recording, job_timeout=600)
        else:
            self.jobs.enqueue(jobs.call_record_job, record, recording, job_timeout=120)

    def _digit(self, caller: Caller, digit: str) -> None:
        if caller.phase == "queued" and digit == MENU_PROGRESS and self.config.database_url:
            self._phase(caller, "progress")  # out of the queue while the caller keys a number
            caller.digits = ""
            self.sip(self.stack.play, caller.key, self.prompt("progress_enter"))
            return
        if caller.phase == "progress":
            if digit == "#" and caller.digits:
                number = caller.digits
                self._phase(caller, "progress_lookup")
                self._lookups.submit(self._look_up, caller.key, number)
            elif digit.isdigit() and len(caller.digits) < MAX_TICKET_DIGITS:
                caller.digits += digit
            return
        self._publish(
            CallEventKind.ANSWERED if caller.phase == "bridged" else CallEventKind.QUEUED,
            caller,
            details={"dtmf": digit},
        )

    def _look_up(self, call_id: str, number: str) -> None:
        from telephony.progress import ticket_status

        try:
            status = ticket_status(self.config.database_url, number)
        except Exception:
            log.exception("progress query for %s", number)
            status = None
        self.post(ProgressResult(call_id, number, status))

    def _progress_result(self, result: ProgressResult) -> None:
        caller = self.callers.get(result.call_id)
        if caller is None or caller.phase != "progress_lookup":
            return
        if result.status is None:
            fragments = [self.prompt("progress_not_found")]
        else:
            fragments = [self.prompt("progress_status"), self.prompt(f"status_{result.status}")]
        self.sip(self.stack.play_list, caller.key, fragments)
        self._publish(
            CallEventKind.QUEUED,
            caller,
            details={"progress_query": result.number, "ticket_status": result.status},
        )
        self.after(sum(duration_seconds(f) for f in fragments) + 0.3, caller, "retry")  # back in line

    def _transcript(self, line: TranscriptLine) -> None:
        caller = self.callers.get(line.call_id)
        if caller is None:
            return
        kind = CallEventKind.TRANSCRIPT_FINAL if line.final else CallEventKind.TRANSCRIPT_PARTIAL
        latency = None
        if line.batch_sent_at is not None:
            # The batch's oldest frame was heard one batch length before it left the tap.
            latency = round(time.monotonic() - line.batch_sent_at + self.config.batch_seconds, 3)
        self._publish(kind, caller, text=line.text, details={"latency_s": latency})

    # -- console commands ------------------------------------------------------------------------------
    def _command(self, command: Command) -> None:
        caller = self.callers.get(str(command.arguments.get("call_id", "")))  # None: another worker's
        if command.name == "dial":
            self._dial(command.arguments)
            return
        if command.name == "survey":
            self.surveys.start(command.arguments)
            return
        if caller is None:
            return
        if command.name == "hangup":
            self.sip(self.stack.hangup, caller.key)
        elif command.name == "leader_handoff":
            self._leader_handoff(caller, command.arguments.get(SESSION_KEY))
        elif command.name == "transfer":
            self._transfer(
                caller, str(command.arguments.get("target", "")), str(command.arguments.get("mode", "blind"))
            )

    def _transfer(self, caller: Caller, target: str, mode: str) -> None:
        uri = self.config.emergency.get(target, "")
        if not uri:
            log.warning("%s: no URI configured for emergency service %r", caller.key, target)
            return
        caller.transferred_to = target
        self._publish(CallEventKind.TRANSFERRED, caller, details={"target": target, "uri": uri, "mode": mode})
        if mode == "conference":
            self._conference_in(caller, uri, "emergency")
        else:
            key = caller.key
            self.sip(self.stack.transfer, key, uri)

    def _conference_in(self, caller: Caller, uri: str, role: str) -> None:
        """A third party joins the caller and the agent when it answers (see `_leg_answered`)."""
        leg = f"{caller.key}-e{uuid.uuid4().hex[:6]}"
        caller.extra_legs.append(leg)
        self._leg_owner[leg] = caller.key
        self.sip(self.stack.dial, leg, uri, role)

    def _leader_handoff(self, caller: Caller, session_id: object) -> None:
        """A screening agent brings the leader in; only for a caller of that very session."""
        uri = self.leader_line.handoff_uri(session_id) if self.leader_line is not None else None
        if uri is None or caller.details.get(SESSION_KEY) != session_id or caller.phase != "bridged":
            log.warning("%s: no leader hand-off for session %r", caller.key, session_id)
            return
        self._publish(CallEventKind.TRANSFERRED, caller, details={"target": "leader", "uri": uri})
        self._conference_in(caller, uri, "leader")

    def _transfer_done(self, caller: Caller, status: int) -> None:
        """A blind transfer that worked leaves the caller with the service: our legs hang up."""
        self._publish(
            CallEventKind.TRANSFERRED,
            caller,
            details={"target": caller.transferred_to, "sip_status": status, "final": True},
        )
        if 200 <= status < 300:
            self.sip(self.stack.hangup, caller.key)
        else:
            caller.transferred_to = None  # still ours: the agent carries on

    # -- the dialing primitive (surveys, callbacks) ------------------------------------------------------
    def _dial(self, arguments: dict[str, Any]) -> None:
        """`dial {request_id, number, prompt?, digits?}`: every worker sees it; one claims it in Redis."""
        self.place_call(arguments, prompt=arguments.get("prompt"), registry=self.outbound)

    def place_call(
        self, arguments: dict[str, Any], *, prompt: str | None, registry: dict[str, Outbound]
    ) -> Outbound | None:
        """Claim the request (exactly one worker does) and dial the number through the gateway."""
        request_id, number = str(arguments.get("request_id", "")), str(arguments.get("number", ""))
        if not request_id or not number or not self.config.gateway_uri_template:
            return None
        claim = DIAL_CLAIM.format(request_id=request_id)
        if not self.redis.set(claim, self.config.worker, nx=True, ex=24 * 3600):
            return None  # another worker took it (or a retry of a request already placed)
        key = f"{self.config.worker}-o{uuid.uuid4().hex[:8]}"
        call = Outbound(key, request_id, number, prompt, int(arguments.get("digits", 1)), datetime.now(UTC))
        registry[key] = call
        self.sip(self.stack.dial, key, self.config.gateway_uri_template.format(number=number), "outbound")
        self.after(float(arguments.get("ring_seconds", 30)), call, "outbound_timeout")
        return call

    def _outbound_message(self, call: Outbound, message: object) -> None:
        match message:
            case Answered():
                call.answered_at = datetime.now(UTC)
                call.generation += 1  # the ring timeout no longer applies
                self.after(float(self.config.queue_seconds), call, "outbound_timeout")  # keys wait
            case MediaReady() if call.prompt:
                self.sip(self.stack.play, call.key, self.prompt(call.prompt))
            case Digit(digit=digit):
                if digit == "#" or len(call.digits) >= call.max_digits:
                    self.sip(self.stack.hangup, call.key)
                else:
                    call.digits += digit
                    if len(call.digits) >= call.max_digits:
                        self.sip(self.stack.hangup, call.key)
            case Ended(status=status):
                self.outbound.pop(call.key, None)
                self.outbound_done(call, status)

    def _on_outbound_timeout(self, call: Outbound) -> None:
        self.sip(self.stack.hangup, call.key, 487 if call.answered_at is None else 200)

    def outbound_done(self, call: Outbound, status: int, extra: dict[str, Any] | None = None) -> str:
        """Publish the end of an outbound call and enqueue its CDR; returns the outcome."""
        if call.answered_at is not None:
            outcome = "answered"
        elif status == 486 or status == 600:
            outcome = "busy"
        elif status in (408, 480, 487):
            outcome = "no_answer"
        else:
            outcome = "failed"
        details = {
            "direction": "outbound",
            "request_id": call.request_id,
            "outcome": outcome,
            "digits": call.digits,
            "sip_status": status,
            "worker": self.config.worker,
            **(extra or {}),
        }
        publish_call_event(
            self.redis,
            CallEvent(
                kind=CallEventKind.ENDED,
                call_id=call.key,
                at=datetime.now(UTC).isoformat(),
                caller=call.number,
                details=details,
            ),
        )
        ended = datetime.now(UTC)
        record = {
            "sip_call_id": f"{call.key}@{self.config.worker}",
            "call_key": call.key,
            "direction": "outbound",
            "caller": "12345",
            "callee": call.number,
            "started_at": _iso(call.started_at),
            "queued_at": None,
            "answered_at": _iso(call.answered_at),
            "ended_at": _iso(ended),
            "wait_seconds": None,
            "outcome": outcome,
            "agent": None,
            "worker": self.config.worker,
        }
        self.jobs.enqueue(jobs.call_record_job, record, None, job_timeout=120)
        return outcome
