"""The Redis contract between the telephony workers and the web consoles (they never import each other).

- Call events (telephony → consoles) go to the stream ``hotline:call-events`` as one JSON field
  ``event``; the web's ``/ws`` forwards each to the agent it names (and to supervisors).
- Commands (consoles → telephony: transfer, hang up, dial) go to the stream
  ``hotline:telephony-commands``; workers read it with a consumer group.
- Agent presence is plain Redis data both sides use: a hash per agent, and a sorted set of ready agents
  scored by when they became ready, so the ACD takes the longest-idle agent with one ZPOPMIN.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import redis

CALL_EVENTS_STREAM = "hotline:call-events"
COMMANDS_STREAM = "hotline:telephony-commands"
READY_AGENTS = "hotline:acd:ready"
AGENT_KEY = "hotline:agent:{username}"
STREAM_MAXLEN = 100_000


class CallEventKind(StrEnum):
    QUEUED = "queued"  # the caller waits for an agent
    OFFERED = "offered"  # ringing at an agent: the screen pop
    ANSWERED = "answered"
    TRANSCRIPT_PARTIAL = "transcript_partial"
    TRANSCRIPT_FINAL = "transcript_final"
    TRANSFERRED = "transferred"
    ENDED = "ended"
    ABANDONED = "abandoned"  # hung up while queued: goes to the callback list
    VOICEMAIL = "voicemail"


class AgentState(StrEnum):
    READY = "ready"
    NOT_READY = "not_ready"
    AFTER_CALL_WORK = "after_call_work"
    ON_CALL = "on_call"
    OFFLINE = "offline"


@dataclass(frozen=True)
class CallEvent:
    kind: CallEventKind
    call_id: str
    at: str  # ISO 8601 with zone
    agent: str | None = None  # username the event is for; None: supervisors only
    caller: str | None = None  # E.164
    text: str | None = None  # transcript line
    ticket_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)  # region, carrier, wait_seconds, ...

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> CallEvent:
        data = json.loads(raw)
        data["kind"] = CallEventKind(data["kind"])
        return cls(**data)


def publish_call_event(client: redis.Redis, event: CallEvent) -> str:
    entry = client.xadd(
        CALL_EVENTS_STREAM, {"event": event.to_json()}, maxlen=STREAM_MAXLEN, approximate=True
    )
    return entry.decode() if isinstance(entry, bytes) else str(entry)


def command_fields(command: str, **arguments: Any) -> dict[str, str]:
    """The stream entry of a telephony command (also written by the web's async Redis client)."""
    return {"command": json.dumps({"command": command, **arguments}, ensure_ascii=False)}


def send_command(client: redis.Redis, command: str, **arguments: Any) -> str:
    fields = command_fields(command, **arguments)
    entry = client.xadd(COMMANDS_STREAM, fields, maxlen=STREAM_MAXLEN, approximate=True)
    return entry.decode() if isinstance(entry, bytes) else str(entry)


def set_agent_state(
    client: redis.Redis, username: str, state: AgentState, sip_uri: str | None = None
) -> None:
    """One transaction, so the ACD never sees a ready agent whose hash says otherwise."""
    now = time.time()
    key = AGENT_KEY.format(username=username)
    pipeline = client.pipeline(transaction=True)
    mapping: dict[str, str | float] = {"state": state.value, "since": now}
    if sip_uri is not None:
        mapping["sip_uri"] = sip_uri
    pipeline.hset(key, mapping=mapping)
    if state is AgentState.READY:
        pipeline.zadd(READY_AGENTS, {username: now})
    else:
        pipeline.zrem(READY_AGENTS, username)
    pipeline.execute()


def agent_state(client: redis.Redis, username: str) -> dict[str, str]:
    raw = client.hgetall(AGENT_KEY.format(username=username))
    found = {k.decode(): v.decode() for k, v in raw.items()}
    found.setdefault("state", AgentState.OFFLINE.value)
    return found


def claim_longest_idle_agent(client: redis.Redis) -> str | None:
    """Atomically takes the agent ready the longest out of the ready set (no two workers get the same)."""
    popped = client.zpopmin(READY_AGENTS)
    if not popped:
        return None
    username = popped[0][0]
    return username.decode() if isinstance(username, bytes) else username
