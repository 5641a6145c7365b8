"""Ticket events to a Redis stream for live consumers; the database stays the source of truth."""

from __future__ import annotations

import json
from typing import Any

import redis

TICKET_EVENTS_STREAM = "hotline:ticket-events"
# Enough for consoles that reconnect within minutes; older gaps are filled from the database.
STREAM_MAXLEN = 100_000


class RedisEventPublisher:
    def __init__(self, client: redis.Redis, stream: str = TICKET_EVENTS_STREAM) -> None:
        self.client = client
        self.stream = stream

    @classmethod
    def from_url(cls, url: str) -> RedisEventPublisher:
        return cls(redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2))

    def publish(self, events: list[dict[str, Any]]) -> None:
        pipeline = self.client.pipeline(transaction=False)
        for event in events:
            pipeline.xadd(
                self.stream,
                {"event": json.dumps(event, ensure_ascii=False)},
                maxlen=STREAM_MAXLEN,
                approximate=True,
            )
        pipeline.execute()


def read_stream(
    client: redis.Redis, last_id: str = "0", stream: str = TICKET_EVENTS_STREAM
) -> list[dict[str, Any]]:
    """Events published after the stream entry `last_id` (non-blocking), oldest first."""
    entries = client.xread({stream: last_id}) or []
    return [json.loads(fields[b"event"]) for _name, items in entries for _id, fields in items]
