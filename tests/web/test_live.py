"""Live push over a real WebSocket: filtered by unit, caught up on reconnect, nothing doubled."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.web.conftest import login
from ticketing.db import Database
from ticketing.redis_feed import RedisEventPublisher
from web.app import create_app


@pytest.fixture
async def published_client(aiohttp_client, db_url, redis_url, tmp_path):
    db = Database(db_url, publisher=RedisEventPublisher.from_url(redis_url))
    yield await aiohttp_client(create_app(db, redis_url, tmp_path)), db
    db.dispose()


async def receive_until(ws, predicate, timeout: float = 10.0) -> list[dict]:
    got = []
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads((await ws.receive()).data)
            got.append(message)
            if predicate(message):
                return got


def ticket_events(messages: list[dict]) -> list[tuple[int, str]]:
    return [(m["event"]["id"], m["event"]["action"]) for m in messages if m["type"] == "ticket_event"]


async def test_events_arrive_live_filtered_and_resume_without_gaps_or_doubles(published_client):
    from tests.dispatch.conftest import build_city

    client, db = published_client
    city = build_city(db)
    csrf = await login(client, "city")
    ws = await client.ws_connect("/ws")
    await receive_until(ws, lambda m: m["type"] == "caught_up")

    created = await client.post(
        "/api/tickets", json={"content": "路灯不亮", "area_code": "D01S01C01"}, headers={"X-CSRF-Token": csrf}
    )
    ticket = (await created.json())["id"]
    first = await receive_until(ws, lambda m: m.get("event", {}).get("action") == "register")
    register_id = ticket_events(first)[-1][0]
    await ws.close()

    # While disconnected: the ticket is dispatched to the district.
    await client.post(
        f"/api/tickets/{ticket}/actions/dispatch",
        json={"unit_id": city.district},
        headers={"X-CSRF-Token": csrf},
    )
    ws = await client.ws_connect(f"/ws?last_event_id={register_id}")
    messages = await receive_until(ws, lambda m: m["type"] == "caught_up")
    assert [a for _, a in ticket_events(messages)] == ["dispatch"]  # only what was missed
    await ws.close()

    client.session.cookie_jar.clear()
    await login(client, "other_street")  # another street: none of this is theirs
    ws = await client.ws_connect("/ws?last_event_id=0")
    messages = await receive_until(ws, lambda m: m["type"] == "caught_up")
    assert ticket_events(messages) == []
    await ws.close()

    client.session.cookie_jar.clear()
    await login(client, "district")
    ws = await client.ws_connect("/ws?last_event_id=0")
    messages = await receive_until(ws, lambda m: m["type"] == "caught_up")
    assert [a for _, a in ticket_events(messages)] == ["register", "dispatch"]
    await ws.close()


async def test_websocket_needs_a_login(published_client):
    client, _ = published_client
    assert (await client.get("/ws")).status == 401
