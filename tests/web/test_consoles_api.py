"""The consoles' API over real HTTP (real database, real redis-server): agent presence, the caller's
history, the intake preview, worklists, manual supervision, attachments, call events over /ws, and the
pages' login, role and scope checks."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import aiohttp
import pytest
import redis
from sqlalchemy import func, select

from dispatch.supervision import sweep
from tests.dispatch.conftest import AGENT_PHONE, add_user
from tests.web.conftest import login
from tests.web.test_live import receive_until
from tests.web.test_tickets_api import as_user
from ticketing.call_bus import READY_AGENTS, CallEvent, CallEventKind, agent_state, publish_call_event
from ticketing.intake import submit
from ticketing.models import CallRecord, Ticket, TicketEvent, utcnow
from ticketing.phone_accounts import set_phone_password
from ticketing.redis_feed import RedisEventPublisher
from ticketing.submission import Submission
from web.app import create_app

CALL = {"content": "柳湾社区3号楼下水道堵塞，污水外溢，气味很大。", "contact_phone": "13812345678"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def events(db, ticket_id: int) -> list[TicketEvent]:
    with db.read_session() as s:
        return list(s.execute(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)).scalars())


async def register(client, city, **extra) -> int:
    headers = await as_user(client, "agent")
    created = await client.post("/api/tickets", json={**CALL, **extra}, headers=headers)
    assert created.status == 201, await created.text()
    return (await created.json())["id"]


async def test_agent_state_goes_to_the_call_bus_and_bad_states_change_nothing(client, city, redis_url):
    bus = redis.Redis.from_url(redis_url)
    headers = await as_user(client, "agent")
    assert (await (await client.get("/api/agent/state")).json())["state"] == "offline"
    response = await client.put("/api/agent/state", json={"state": "ready"}, headers=headers)
    assert (await response.json())["label"] == "示闲"
    assert agent_state(bus, "agent")["state"] == "ready" and bus.zscore(READY_AGENTS, "agent") is not None

    refused = await client.put("/api/agent/state", json={"state": "on_call"}, headers=headers)
    assert refused.status == 422 and (await refused.json())["error"]["code"] == "invalid_agent_state"
    no_csrf = await client.put("/api/agent/state", json={"state": "not_ready"})
    assert no_csrf.status == 403 and (await no_csrf.json())["error"]["code"] == "csrf_failed"
    assert agent_state(bus, "agent")["state"] == "ready"

    await client.put("/api/agent/state", json={"state": "after_call_work"}, headers=headers)
    assert bus.zscore(READY_AGENTS, "agent") is None  # the ACD no longer offers calls to this desk

    headers = await as_user(client, "department")
    forbidden = await client.put("/api/agent/state", json={"state": "ready"}, headers=headers)
    assert forbidden.status == 403 and (await forbidden.json())["error"]["code"] == "not_an_agent"


async def test_going_ready_needs_a_phone_and_hands_its_address_to_the_acd(client, city, db, redis_url):
    bus = redis.Redis.from_url(redis_url)
    headers = await as_user(client, "agent")
    await client.put("/api/agent/state", json={"state": "ready"}, headers=headers)
    assert agent_state(bus, "agent")["sip_uri"] == AGENT_PHONE  # the desk phone the ACD will ring

    add_user(db, "newagent", "agent", city.platform)
    headers = await as_user(client, "newagent")
    refused = await client.put("/api/agent/state", json={"state": "ready"}, headers=headers)
    assert refused.status == 409 and (await refused.json())["error"]["code"] == "no_phone"
    assert bus.zscore(READY_AGENTS, "newagent") is None  # nothing changed

    with db.session() as session:
        set_phone_password(session, "newagent", "hotline")
    accepted = await client.put("/api/agent/state", json={"state": "ready"}, headers=headers)
    assert accepted.status == 200
    # No configured address: the ACD rings the phone the agent registered at the edge.
    assert agent_state(bus, "newagent")["sip_uri"] == "" and bus.zscore(READY_AGENTS, "newagent") is not None


async def test_caller_history_shows_region_carrier_and_past_tickets_to_agents_only(client, city):
    ticket = await register(client, city)
    history = await (await client.get("/api/callers/history", params={"phone": "138 1234 5678"})).json()
    assert history["phone"] == "+8613812345678" and history["known"] is True
    assert history["region"] and history["carrier"] == "中国移动"
    assert [t["id"] for t in history["tickets"]] == [ticket]
    unknown = await (await client.get("/api/callers/history", params={"phone": "13900001111"})).json()
    assert unknown["known"] is False and unknown["tickets"] == []
    bad = await client.get("/api/callers/history", params={"phone": "12"})
    assert bad.status == 422 and (await bad.json())["error"]["code"] == "invalid_phone"

    await as_user(client, "city")  # a dispatcher never reads full numbers
    assert (await client.get("/api/callers/history", params={"phone": "13812345678"})).status == 403


async def test_intake_preview_flags_the_same_callers_duplicate_and_writes_nothing(client, city, web_db):
    first = await register(client, city)
    headers = {"X-CSRF-Token": await login(client, "agent")}
    with web_db.read_session() as s:
        before = s.scalar(select(func.count()).select_from(Ticket))
    preview = await client.post(
        "/api/intake/preview",
        json={"content": "柳湾社区3号楼下水道堵了，污水外溢", "contact_phone": "13812345678"},
        headers=headers,
    )
    body = await preview.json()
    assert preview.status == 200, body
    assert [d["ticket_id"] for d in body["duplicates"]] == [first]
    assert body["duplicates"][0]["reason"] == "same_caller"
    assert set(body) == {"type", "category", "unit", "duplicates"}
    with web_db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == before

    empty = await client.post("/api/intake/preview", json={"content": "  "}, headers=headers)
    assert empty.status == 422 and (await empty.json())["error"]["code"] == "content_required"
    bad_phone = await client.post(
        "/api/intake/preview", json={"content": "路灯", "contact_phone": "x"}, headers=headers
    )
    assert (await bad_phone.json())["error"]["code"] == "invalid_phone"


async def test_worklists_follow_the_ticket_down_the_levels(client, city):
    ticket = await register(client, city)
    await as_user(client, "city")
    queue = (await (await client.get("/api/worklist/queue")).json())["items"]
    assert [(r["ticket"]["id"], r["task"]) for r in queue] == [(ticket, "dispatch")]
    children = (await (await client.get("/api/units/children")).json())["items"]
    assert {c["id"] for c in children} == {city.district, city.department}
    headers = await as_user(client, "city")
    await client.post(
        f"/api/tickets/{ticket}/actions/dispatch", json={"unit_id": city.district}, headers=headers
    )
    assert (await (await client.get("/api/worklist/queue")).json())["items"] == []

    headers = await as_user(client, "district")
    queue = (await (await client.get("/api/worklist/queue")).json())["items"]
    assert [(r["ticket"]["id"], r["task"]) for r in queue] == [(ticket, "sign")]
    assert queue[0]["assignment"]["status_label"] == "待签收"
    assignment = queue[0]["assignment"]["id"]
    await client.post(
        f"/api/tickets/{ticket}/actions/sign", json={"assignment_id": assignment}, headers=headers
    )
    queue = (await (await client.get("/api/worklist/queue")).json())["items"]
    assert [r["task"] for r in queue] == ["dispatch"]
    inbox = (await (await client.get("/api/worklist/inbox")).json())["items"]
    assert [(r["ticket"]["id"], r["task"]) for r in inbox] == [(ticket, "reply")]
    asked = await client.post(
        f"/api/tickets/{ticket}/actions/request_extension",
        json={"assignment_id": assignment, "working_days": 3, "reason": "需协调多个部门"},
        headers=headers,
    )
    assert asked.status == 200, await asked.text()
    await as_user(client, "city")  # the level above decides: it finds the request in its queue
    queue = (await (await client.get("/api/worklist/queue")).json())["items"]
    assert [(r["task"], r["extension"]["working_days"]) for r in queue] == [("extension", 3)]

    await as_user(client, "other_street")
    assert (await (await client.get("/api/worklist/inbox")).json())["items"] == []


async def test_supervisor_board_shows_red_cards_and_manual_urges_are_events(client, city, web_db):
    add_user(web_db, "watcher", "supervisor", city.platform)
    ticket = await register(client, city)
    headers = await as_user(client, "city")
    await client.post(
        f"/api/tickets/{ticket}/actions/dispatch", json={"unit_id": city.district}, headers=headers
    )
    sweep(web_db, now=utcnow() + timedelta(days=30))

    headers = await as_user(client, "watcher")
    board = (await (await client.get("/api/supervision/board")).json())["items"]
    card = next(c for c in board if c["ticket"]["id"] == ticket)
    assert card["level"] == "red" and card["stage"] == "sign" and "催办" in card["marks"]
    done = await client.post(
        f"/api/tickets/{ticket}/supervision",
        json={"kind": "supervise", "note": "今日内签收"},
        headers=headers,
    )
    assert done.status == 200, await done.text()
    manual = [e for e in events(web_db, ticket) if e.payload.get("manual")]
    assert [(e.action, e.payload["note"], e.payload["order"]) for e in manual] == [
        ("supervise", "今日内签收", True)
    ]

    bad = await client.post(f"/api/tickets/{ticket}/supervision", json={"kind": "shout"}, headers=headers)
    assert bad.status == 422 and (await bad.json())["error"]["code"] == "invalid_supervision_kind"
    headers = await as_user(client, "district")
    refused = await client.post(f"/api/tickets/{ticket}/supervision", json={"kind": "urge"}, headers=headers)
    assert refused.status == 403 and (await refused.json())["error"]["code"] == "not_a_supervisor"
    assert len([e for e in events(web_db, ticket) if e.payload.get("manual")]) == 1
    # A street below the district sees only its own subtree's cards: none here.
    await as_user(client, "other_street")
    assert (await (await client.get("/api/supervision/board")).json())["items"] == []


async def test_attachments_upload_list_and_ranged_download_within_scope(client, city):
    ticket = await register(client, city)
    headers = await as_user(client, "agent")
    data = aiohttp.FormData()
    data.add_field("file", PNG, filename="照片.png", content_type="image/png")
    stored = await client.post(f"/api/tickets/{ticket}/attachments", data=data, headers=headers)
    assert stored.status == 201, await stored.text()
    attachment = await stored.json()
    assert attachment["kind"] == "image" and attachment["filename"] == "照片.png"
    listed = (await (await client.get(f"/api/tickets/{ticket}/attachments")).json())["items"]
    assert [a["id"] for a in listed] == [attachment["id"]]
    ranged = await client.get(attachment["url"], headers={"Range": "bytes=0-7"})
    assert ranged.status == 206 and await ranged.read() == PNG[:8]

    fake = aiohttp.FormData()
    fake.add_field("file", b"not a png", filename="x.png", content_type="image/png")
    refused = await client.post(f"/api/tickets/{ticket}/attachments", data=fake, headers=headers)
    assert refused.status == 422 and (await refused.json())["error"]["code"] == "content_mismatch"
    not_multipart = await client.post(f"/api/tickets/{ticket}/attachments", json={}, headers=headers)
    assert (await not_multipart.json())["error"]["code"] == "multipart_required"
    assert len((await (await client.get(f"/api/tickets/{ticket}/attachments")).json())["items"]) == 1

    await as_user(client, "other_street")
    assert (await client.get(attachment["url"])).status == 404
    assert (await client.get(f"/api/tickets/{ticket}/attachments")).status == 404


async def test_pages_need_a_session_the_right_role_and_the_ticket_in_scope(client, city):
    ticket = await register(client, city)
    client.session.cookie_jar.clear()
    redirect = await client.get("/agent", allow_redirects=False)
    assert redirect.status == 302 and redirect.headers["Location"] == "/login?next=/agent"
    login_page = await client.get("/login")
    assert login_page.status == 200 and "工作人员登录" in await login_page.text()

    csrf = await login(client, "agent")
    home = await client.get("/", allow_redirects=False)
    assert home.headers["Location"] == "/agent"
    agent_page = await client.get("/agent")
    assert agent_page.status == 200 and "工单登记" in await agent_page.text()
    assert "+8613812345678" in await (await client.get(f"/tickets/{ticket}")).text()

    await as_user(client, "department")
    assert (await client.get("/agent")).status == 403
    assert (await client.get(f"/tickets/{ticket}")).status == 404  # not theirs: as if it did not exist
    csrf = await login(client, "city")
    page = await (await client.get(f"/tickets/{ticket}")).text()
    assert "138****5678" in page and "+8613812345678" not in page
    assert "<script>" not in page  # text is escaped (the content could be anything a caller said)

    refused = await client.post("/logout", data={}, allow_redirects=False)
    assert refused.status == 403  # logging out by a forged form is refused
    out = await client.post("/logout", data={"_csrf": csrf}, allow_redirects=False)
    assert out.status == 302 and out.headers["Location"] == "/login"
    assert (await client.get("/api/session")).status == 401
    static = await client.get("/static/console.css")
    assert static.status == 200 and "1366" in await static.text()


@pytest.fixture
async def live_client(aiohttp_client, db_url, redis_url, tmp_path):
    from ticketing.db import Database

    db = Database(db_url, publisher=RedisEventPublisher.from_url(redis_url))
    yield await aiohttp_client(create_app(db, redis_url, tmp_path)), db
    db.dispose()


async def test_call_events_reach_the_named_agent_and_supervisors_only(live_client, redis_url):
    from tests.dispatch.conftest import build_city

    client, db = live_client
    city = build_city(db)
    add_user(db, "agent2", "agent", city.platform)
    add_user(db, "watcher", "supervisor", city.platform)
    bus = redis.Redis.from_url(redis_url)
    sockets = {}
    for username in ("agent", "agent2", "watcher"):
        client.session.cookie_jar.clear()
        await login(client, username)
        sockets[username] = await client.ws_connect("/ws")
        await receive_until(sockets[username], lambda m: m["type"] == "caught_up")

    def offered(call_id: str, agent: str) -> CallEvent:
        return CallEvent(
            CallEventKind.OFFERED, call_id, utcnow().isoformat(), agent=agent, caller="+8613812345678"
        )

    publish_call_event(bus, offered("c1", "agent"))
    publish_call_event(bus, offered("c2", "agent2"))
    got = await receive_until(sockets["agent"], lambda m: m["type"] == "call_event")
    assert [m["event"]["call_id"] for m in got if m["type"] == "call_event"] == ["c1"]
    got = await receive_until(sockets["agent2"], lambda m: m["type"] == "call_event")
    assert got[-1]["event"]["call_id"] == "c2"
    seen = []
    for _ in range(2):
        seen += await receive_until(sockets["watcher"], lambda m: m["type"] == "call_event")
    assert [m["event"]["call_id"] for m in seen if m["type"] == "call_event"] == ["c1", "c2"]
    with pytest.raises(TimeoutError):  # agent never receives agent2's call
        await receive_until(sockets["agent"], lambda m: m["type"] == "call_event", timeout=0.5)

    # Reconnecting from the last call event's stream id resumes without repeats.
    stream_id = got[-1]["stream_id"]
    publish_call_event(bus, offered("c3", "agent2"))
    await sockets["agent2"].close()
    client.session.cookie_jar.clear()
    await login(client, "agent2")
    again = await client.ws_connect(f"/ws?last_call_event={stream_id}")
    resumed = await receive_until(again, lambda m: m["type"] == "call_event")
    assert resumed[-1]["event"]["call_id"] == "c3"

    # A supervisor watching the ticket feed never gets the caller's number in a payload.
    client.session.cookie_jar.clear()
    csrf = await login(client, "agent")
    await client.post("/api/tickets", json=CALL, headers={"X-CSRF-Token": csrf})
    registered = await receive_until(
        sockets["watcher"], lambda m: m.get("event", {}).get("action") == "register", timeout=10
    )
    assert "13812345678" not in json.dumps(registered[-1], ensure_ascii=False)
    for ws in (*sockets.values(), again):
        await ws.close()
    await asyncio.sleep(0)


async def test_a_malformed_multipart_body_is_a_400_not_a_500(client, city, web_db):
    """Found by schemathesis: a part header aiohttp cannot parse used to escape as a server error."""
    ticket_id = submit(web_db, Submission(channel="phone_agent", content="井盖缺失")).ticket_id
    csrf = await login(client, "city")
    body = b'--b\r\nContent-Disposition: form-data; name="file"\r\nbroken header line\r\n\r\nx\r\n--b--\r\n'
    response = await client.post(
        f"/api/tickets/{ticket_id}/attachments",
        data=body,
        headers={"X-CSRF-Token": csrf, "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "bad_request"


async def test_the_call_on_screen_is_linked_to_the_ticket_registered_from_it(client, city, web_db):
    ticket_id, other = await register(client, city), await register(client, city)
    headers = {"X-CSRF-Token": await login(client, "agent")}
    url = f"/api/tickets/{ticket_id}/calls"
    linked = await client.post(url, json={"sip_call_id": "k9@worker-1"}, headers=headers)
    body = await linked.json()
    assert linked.status == 200, body
    assert body["sip_call_id"] == "k9@worker-1"
    second = await client.post(
        f"/api/tickets/{other}/calls", json={"sip_call_id": "k9@worker-1"}, headers=headers
    )
    assert second.status == 200  # a second matter raised in the same call: linked too
    for bad in ({}, {"sip_call_id": 7}, {"sip_call_id": ""}):
        refused = await client.post(url, json=bad, headers=headers)
        assert refused.status == 422 and (await refused.json())["error"]["code"] == "invalid_call_id"
    missing = await client.post("/api/tickets/999999/calls", json={"sip_call_id": "x@y"}, headers=headers)
    assert missing.status == 404
    with web_db.read_session() as s:
        links = s.scalars(select(TicketEvent.ticket_id).where(TicketEvent.action == "link_call")).all()
    assert sorted(links) == sorted([ticket_id, other])


async def test_missed_calls_are_listed_for_agents_and_a_callback_is_recorded_once(client, city, web_db):
    with web_db.session() as s:
        for key, minutes in (("m1", 30), ("m2", 10)):
            s.add(
                CallRecord(
                    sip_call_id=f"{key}@w1",
                    direction="inbound",
                    caller="+8613912340000",
                    started_at=utcnow() - timedelta(minutes=minutes),
                    outcome="abandoned",
                    wait_seconds=35.0,
                )
            )
    headers = await as_user(client, "agent")
    listed = await (await client.get("/api/missed-calls")).json()
    assert [(i["caller"], i["attempts"]) for i in listed["items"]] == [("+8613912340000", 2)]  # in full
    assert listed["outcomes"]["no_answer"] == "回拨无人接听"
    url = f"/api/missed-calls/{listed['items'][0]['call_record_id']}"
    bad = await client.post(url, json={"outcome": "maybe"}, headers=headers)
    assert bad.status == 422 and (await bad.json())["error"]["code"] == "invalid_callback_outcome"
    done = await client.post(url, json={"outcome": "reached", "note": "已解释政策"}, headers=headers)
    assert (await done.json())["calls_covered"] == 2
    again = await client.post(url, json={"outcome": "reached"}, headers=headers)
    assert again.status == 409 and (await again.json())["error"]["code"] == "already_called_back"
    assert (await (await client.get("/api/missed-calls")).json())["items"] == []
    handler = await as_user(client, "community")
    assert (await client.get("/api/missed-calls")).status == 403
    assert (await client.post(url, json={"outcome": "reached"}, headers=handler)).status == 403
