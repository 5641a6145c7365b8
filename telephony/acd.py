"""The agent queue (ACD) on call_bus's Redis presence data, shared by every worker.

`claim_longest_idle_agent` pops the agent atomically, so two workers never ring the same agent. An
agent who does not answer goes not-ready (so the next caller does not ring an empty desk); an agent
taken back because the caller left or went to voicemail is put back at the head of the queue.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from ticketing.call_bus import (
    READY_AGENTS,
    AgentState,
    agent_state,
    claim_longest_idle_agent,
    set_agent_state,
)

DIRECT_LINE = "hotline:acd:direct:{username}"
DIRECT_LINE_TTL_S = 4 * 3600  # a last resort: a restarted worker frees its lines at once (below)


@dataclass(frozen=True)
class ClaimedAgent:
    username: str
    sip_uri: str
    ready_since: float
    direct: bool = False  # a named phone claimed outside the queue (a leader's line), not a queue member


def claim_direct(client: redis.Redis, username: str, sip_uri: str, worker: str) -> ClaimedAgent | None:
    """One named phone, one caller at a time across all workers; None while it is on another call."""
    if not client.set(DIRECT_LINE.format(username=username), worker, nx=True, ex=DIRECT_LINE_TTL_S):
        return None
    return ClaimedAgent(username, sip_uri, 0.0, direct=True)


def free_direct_lines_of(client: redis.Redis, worker: str) -> int:
    """At a worker's start: it holds no call, so lines it claimed before dying are free again."""
    freed = 0
    for key in client.scan_iter(match=DIRECT_LINE.format(username="*"), count=100):
        value = client.get(key)
        if value is not None and value.decode() == worker:
            freed += client.delete(key)
    return freed


def _release_direct(client: redis.Redis, agent: ClaimedAgent) -> bool:
    if agent.direct:
        client.delete(DIRECT_LINE.format(username=agent.username))
    return agent.direct


def claim_agent(client: redis.Redis, registered_phone_uri: str = "") -> ClaimedAgent | None:
    """The longest-idle ready agent with a phone, now marked on-call; None when nobody is free.

    An agent's configured SIP URI wins; otherwise the phone they registered at the edge is rung
    through `registered_phone_uri` ("sip:{username}@edge"; empty when there is no edge)."""
    while True:
        username = claim_longest_idle_agent(client)
        if username is None:
            return None
        state = agent_state(client, username)
        uri = state.get("sip_uri", "") or registered_phone_uri.format(username=username)
        if not uri:  # cannot be rung: take them out rather than spin on them
            set_agent_state(client, username, AgentState.NOT_READY)
            continue
        set_agent_state(client, username, AgentState.ON_CALL)
        return ClaimedAgent(username, uri, float(state.get("since", 0) or 0))


def give_back(client: redis.Redis, agent: ClaimedAgent) -> None:
    """Not the agent's fault (caller left, queue limit): ready again, keeping their place in line."""
    if _release_direct(client, agent):
        return
    set_agent_state(client, agent.username, AgentState.READY)
    client.zadd(READY_AGENTS, {agent.username: agent.ready_since})


def missed(client: redis.Redis, agent: ClaimedAgent) -> None:
    """Rang out or refused: not ready until the agent says otherwise in the console."""
    if _release_direct(client, agent):
        return
    set_agent_state(client, agent.username, AgentState.NOT_READY)


def call_finished(client: redis.Redis, agent: ClaimedAgent) -> None:
    if _release_direct(client, agent):
        return
    set_agent_state(client, agent.username, AgentState.AFTER_CALL_WORK)
