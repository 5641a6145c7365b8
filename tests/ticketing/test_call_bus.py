"""The telephony ↔ web Redis contract on a real redis-server."""

from __future__ import annotations

import redis

from ticketing.call_bus import (
    CALL_EVENTS_STREAM,
    AgentState,
    CallEvent,
    CallEventKind,
    agent_state,
    claim_longest_idle_agent,
    publish_call_event,
    set_agent_state,
)


def test_events_round_trip_and_ready_agents_are_claimed_longest_idle_first(redis_url):
    client = redis.Redis.from_url(redis_url)
    event = CallEvent(
        CallEventKind.OFFERED,
        "c1",
        "2026-11-23T09:00:00+08:00",
        agent="li.na",
        caller="+8613800138000",
        details={"region": "北京市"},
    )
    publish_call_event(client, event)
    ((_stream, [(_id, fields)]),) = client.xread({CALL_EVENTS_STREAM: "0"})
    assert CallEvent.from_json(fields[b"event"]) == event

    set_agent_state(client, "first", AgentState.READY, "sip:first@127.0.0.1")
    set_agent_state(client, "second", AgentState.READY)
    set_agent_state(client, "third", AgentState.READY)
    set_agent_state(client, "third", AgentState.NOT_READY)
    assert agent_state(client, "first") == {
        "state": "ready",
        "since": agent_state(client, "first")["since"],
        "sip_uri": "sip:first@127.0.0.1",
    }
    assert agent_state(client, "nobody")["state"] == "offline"
    assert [claim_longest_idle_agent(client) for _ in range(3)] == ["first", "second", None]
