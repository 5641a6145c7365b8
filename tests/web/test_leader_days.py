"""Leader live-answer days over real HTTP on both databases: admins schedule (validated, audited), an
agent records a call's ticket (tagged, due today at the leader's unit), the leader console's data, and
the public session page (anonymised, public sessions only)."""

from __future__ import annotations

import datetime as dt

import pytest

from dispatch.calendar_store import seed_calendar_days
from dispatch.leader_sessions import BEIJING
from tests.dispatch.conftest import add_user
from tests.support.leader_days import window_around_now
from tests.web.conftest import login
from tests.web.test_admin_api import as_admin, audit, call


def window_json() -> dict[str, str]:
    window = window_around_now()
    return {
        "date": window["day"].isoformat(),
        "start": window["start"].strftime("%H:%M"),
        "end": window["end"].strftime("%H:%M"),
    }


def add_people(db, city) -> None:
    with db.session() as s:
        seed_calendar_days(s, range(dt.date.today().year, dt.date.today().year + 2))
    add_user(db, "admin", "admin", city.platform, "管理员")
    for username, name in [("mayor", "王市长"), ("deputy", "李副市长")]:
        add_user(db, username, "leader", city.platform, name, f"sip:{username}@127.0.0.1:5999")


@pytest.fixture
def people(web_db, city):
    add_people(web_db, city)
    return city


def session_body(**changes) -> dict:
    return {
        "leader": "mayor",
        "unit_code": "D01S01",
        "topic": "城市管理与市容",
        "public": True,
        **window_json(),
        **changes,
    }


async def test_admins_schedule_with_checks_and_an_audit_trail(client, people):
    headers = await as_admin(client)
    created = await call(client, "POST", "/api/admin/leader-sessions", headers, session_body(), 201)
    assert created["leader_name"] == "王市长" and created["unit_name"] == "青石街道"
    for changes, code in [
        ({"start": "12:00", "end": "11:00", "date": "2026-12-01"}, "invalid_window"),
        ({"leader": "ghost"}, "unknown_leader"),
        ({"leader": "city"}, "not_a_leader"),
        ({"unit_code": "X9"}, "unknown_unit"),
        ({}, "session_overlap"),
        ({"date": "2026-13-01"}, "invalid_date"),
        ({"start": "25:00"}, "invalid_time"),
    ]:
        refused = await call(
            client, "POST", "/api/admin/leader-sessions", headers, session_body(**changes), 422
        )
        assert refused["error"]["code"] == code, changes
    missing = await call(client, "POST", "/api/admin/leader-sessions", headers, {"leader": "mayor"}, 422)
    assert missing["error"]["code"] == "missing_field"
    listed = await call(client, "GET", "/api/admin/leader-sessions", headers)
    assert [s["id"] for s in listed["items"]] == [created["id"]]  # nothing of the refused ones stayed
    moved = await call(
        client,
        "PATCH",
        f"/api/admin/leader-sessions/{created['id']}",
        headers,
        {"topic": "物业与市容", "screened": True},
    )
    assert moved["topic"] == "物业与市容" and moved["start"] == created["start"]
    assert moved["screened"] and not created["screened"]
    entries = await audit(client, entity="leader_session", entity_id=created["id"])
    assert [e["action"] for e in entries] == ["update", "create"]
    client.session.cookie_jar.clear()
    agent = {"X-CSRF-Token": await login(client, "agent")}
    denied = await call(client, "POST", "/api/admin/leader-sessions", agent, session_body(), 403)
    assert denied["error"]["code"] == "admin_only"


async def test_a_session_ticket_is_due_today_listed_for_the_leader_and_published(client, people, web_db):
    headers = await as_admin(client)
    public = await call(client, "POST", "/api/admin/leader-sessions", headers, session_body(), 201)
    private = await call(
        client,
        "POST",
        "/api/admin/leader-sessions",
        headers,
        session_body(leader="deputy", public=False),
        201,
    )
    client.session.cookie_jar.clear()
    agent = {"X-CSRF-Token": await login(client, "agent")}
    ticket = {
        "content": "青石街道菜市场门口占道经营严重",
        "title": "菜市场占道经营",
        "contact_phone": "13812345678",
        "contact_name": "张先生",
        "idempotency_key": "leader-day-1",
        "sip_call_id": "call-1@worker-1",
    }
    done = await call(client, "POST", f"/api/leader-sessions/{public['id']}/tickets", agent, ticket, 201)
    assert dt.datetime.fromisoformat(done["reply_due_at"]).date() == dt.datetime.now(BEIJING).date()
    secret = {**ticket, "idempotency_key": "leader-day-2", "confidential": True, "title": "保密举报"}
    await call(client, "POST", f"/api/leader-sessions/{public['id']}/tickets", agent, secret, 201)
    await call(
        client, "POST", f"/api/leader-sessions/{private['id']}/tickets", agent, {"content": "路灯不亮"}, 201
    )
    unknown = await call(
        client,
        "POST",
        f"/api/leader-sessions/{public['id']}/tickets",
        agent,
        {"content": "x", "bogus": 1},
        422,
    )
    assert unknown["error"]["code"] == "unknown_fields"

    client.session.cookie_jar.clear()
    mayor = {"X-CSRF-Token": await login(client, "mayor")}
    console = await call(client, "GET", f"/api/leader-sessions/{public['id']}", mayor)
    first = console["tickets"][0]
    assert first["number"] == done["number"] and len(console["tickets"]) == 2
    assert first["channel"] == "leader_line" and first["status"] == "dispatched"
    assert first["contact_phone"] == "138****5678" and first["sip_call_id"] == "call-1@worker-1"
    mine = await call(client, "GET", "/api/leader-sessions", mayor)
    assert [s["id"] for s in mine["items"]] == [public["id"]]  # not the deputy's session
    other = await call(client, "GET", f"/api/leader-sessions/{private['id']}", mayor, status=404)
    assert other["error"]["code"] == "unknown_leader_session"

    client.session.cookie_jar.clear()
    page = await client.get(f"/public/leader-sessions/{public['id']}")
    html = await page.text()
    assert page.status == 200 and done["number"] in html and "城市管理与市容" in html
    assert "调查时限" in html and "王市长" in html
    for private_bit in ("13812345678", "138****5678", "张先生", "保密举报", "占道经营严重"):
        assert private_bit not in html
    assert html.count('class="ticket"') == 1  # the confidential ticket is left out
    assert (await client.get(f"/public/leader-sessions/{private['id']}")).status == 404
    schedule = await (await client.get("/public/leader-sessions")).text()
    assert f"/public/leader-sessions/{public['id']}" in schedule and f'/{private["id"]}"' not in schedule

    headers = await as_admin(client)
    await call(
        client, "PATCH", f"/api/admin/leader-sessions/{public['id']}", headers, {"status": "cancelled"}
    )
    client.session.cookie_jar.clear()
    assert (await client.get(f"/public/leader-sessions/{public['id']}")).status == 404
