"""`GET /ws`: live ticket events for the consoles, filtered to what the user may see, and call events
from telephony (`hotline:call-events`) for the agent each names and for supervisors (and, for
calls of a leader live-answer session, for every agent and leader).

A client passes the last event id it has (`?last_event_id=N`). The server first notes where the Redis
stream ends, then sends what the database holds after N, then follows the stream from the noted
point, skipping ids already sent: nothing missed between the two, nothing sent twice.

Call events are transient (the database keeps the call record, not each ringing): a client gets those
published after it connected, or after `?last_call_event=<stream id>` when it reconnects.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import redis.asyncio as aioredis
from aiohttp import WSMsgType, web

from dispatch.operators import Operator
from dispatch.visibility import can_see
from ticketing.call_bus import CALL_EVENTS_STREAM
from ticketing.event_feed import events_after, summarise
from ticketing.models import Ticket, User
from ticketing.redis_feed import TICKET_EVENTS_STREAM
from web.auth import operator_of
from web.keys import DB_KEY, REDIS_URL_KEY
from web.masking import masked_payload

CATCH_UP_LIMIT = 1000
BLOCK_MS = 5000
CALL_WATCHING_ROLES = frozenset({"supervisor", "admin"})  # they see every call, not only their own
# On a leader live-answer day the agents recording tickets and the leaders watch the session's calls.
LEADER_LINE_ROLES = frozenset({"agent", "leader"})
LEADER_SESSION_KEY = "leader_session_id"
STREAM_ID = re.compile(r"^\d{1,20}-\d{1,20}$")


class Visibility:
    """Per connection: once a ticket is visible it stays so (assignments are never deleted)."""

    def __init__(self, app: web.Application, operator: Operator) -> None:
        self.db, self.operator = app[DB_KEY], operator
        self.visible: set[int] = set()

    async def allows(self, ticket_id: int) -> bool:
        if self.operator.at_platform or ticket_id in self.visible:
            return True

        def check() -> bool:
            with self.db.read_session() as s:
                return can_see(s, self.operator, ticket_id)

        if await asyncio.to_thread(check):
            self.visible.add(ticket_id)
            return True
        return False


async def _stream_end(client: aioredis.Redis, stream: str = TICKET_EVENTS_STREAM) -> str:
    last = await client.xrevrange(stream, count=1)
    return last[0][0].decode() if last else "0"


def _username(app: web.Application, operator: Operator) -> str:
    with app[DB_KEY].read_session() as s:
        return s.get_one(User, operator.user_id).username


def call_event_for(event: dict[str, Any], username: str, operator: Operator) -> bool:
    on_leader_line = LEADER_SESSION_KEY in (event.get("details") or {})
    return (
        event.get("agent") == username
        or operator.role in CALL_WATCHING_ROLES
        or (on_leader_line and operator.role in LEADER_LINE_ROLES)
    )


def _catch_up(app: web.Application, after: int) -> list[dict[str, Any]]:
    with app[DB_KEY].read_session() as s:
        rows = events_after(s, after, CATCH_UP_LIMIT)
        tickets = {t.id: t for t in s.query(Ticket).filter(Ticket.id.in_({e.ticket_id for e in rows}))}
        return [summarise(e, tickets[e.ticket_id].number, tickets[e.ticket_id].holder_unit_id) for e in rows]


async def live(request: web.Request) -> web.WebSocketResponse:
    operator = operator_of(request)
    try:
        last_sent = max(0, int(request.query.get("last_event_id", "0")))
    except ValueError:
        last_sent = 0
    ws = web.WebSocketResponse(heartbeat=30)
    await ws.prepare(request)
    # Its own connection: a blocking XREAD must not hold the app's shared client (whose timeout is short).
    client = aioredis.Redis.from_url(request.app[REDIS_URL_KEY])
    visibility = Visibility(request.app, operator)
    username = await asyncio.to_thread(_username, request.app, operator)
    resume_calls = request.query.get("last_call_event", "")

    async def send(event: dict[str, Any]) -> None:
        nonlocal last_sent
        if event["id"] <= last_sent:
            return
        last_sent = event["id"]
        if await visibility.allows(event["ticket_id"]):
            event = {**event, "payload": masked_payload(event.get("payload"), operator)}
            await ws.send_str(json.dumps({"type": "ticket_event", "event": event}, ensure_ascii=False))

    async def pump() -> None:
        position = await _stream_end(client)
        call_position = (
            resume_calls if STREAM_ID.match(resume_calls) else await _stream_end(client, CALL_EVENTS_STREAM)
        )
        while True:  # the database may hold more than one batch after a long absence
            batch = await asyncio.to_thread(_catch_up, request.app, last_sent)
            for event in batch:
                await send(event)
            if len(batch) < CATCH_UP_LIMIT:
                break
        await ws.send_str(json.dumps({"type": "caught_up", "last_event_id": last_sent}))
        while not ws.closed:
            streams = {TICKET_EVENTS_STREAM: position, CALL_EVENTS_STREAM: call_position}
            entries = await client.xread(streams, block=BLOCK_MS, count=100) or []  # type: ignore[arg-type]
            for stream, items in entries:
                for entry_id, fields in items:
                    event = json.loads(fields[b"event"])
                    if stream.decode() == TICKET_EVENTS_STREAM:
                        position = entry_id.decode()
                        await send(event)
                        continue
                    call_position = entry_id.decode()
                    if call_event_for(event, username, operator):
                        shown = masked_payload(event, operator)  # supervisors see the caller masked
                        message = {"type": "call_event", "stream_id": call_position, "event": shown}
                        await ws.send_str(json.dumps(message, ensure_ascii=False))

    task = asyncio.create_task(pump())
    try:
        async for message in ws:
            if message.type == WSMsgType.ERROR:
                break
    finally:
        task.cancel()
        await client.aclose()
    return ws


def add_routes(app: web.Application) -> None:
    app.router.add_get("/ws", live)
