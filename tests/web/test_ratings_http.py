"""好差评 over real HTTP (aiohttp test client, real database and redis-server): devices registered
through the admin API, a replay storm, a revoked token, a 差评 that becomes the rated unit's ticket,
the unit's appeal and the platform's decision, and the QR page rating once."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from dispatch.models import Assignment
from tests.web.conftest import login
from tests.web.test_admin_api import admin, as_admin  # noqa: F401 - `admin` is the fixture used below
from ticketing.intake import submit
from ticketing.models import Evaluation, Ticket
from ticketing.submission import Submission
from ticketing.ticket_actions import SYSTEM, load_for_update, perform

pytestmark = pytest.mark.usefixtures("admin")
BAD = {"level": "非常不满意", "reasons": ["多次跑动"], "service_item": "社保卡补办", "phone": "13912345678"}


async def register_device(client, city) -> tuple[str, int]:
    """Hall, window and device through the admin API; returns the device's token and id."""
    headers = await as_admin(client)
    hall = await client.post(
        "/api/admin/halls", json={"name": "青石街道便民服务中心", "unit_id": city.street}, headers=headers
    )
    assert hall.status == 201, await hall.text()
    hall_id = (await hall.json())["id"]
    window = await client.post(
        f"/api/admin/halls/{hall_id}/windows",
        json={"name": "3号窗口", "unit_id": city.street},
        headers=headers,
    )
    assert window.status == 201, await window.text()
    device = await client.post(
        "/api/admin/devices",
        json={
            "name": "3号窗评价器",
            "window_id": (await window.json())["id"],
            "staff_user_id": city.users["street"],
        },
        headers=headers,
    )
    assert device.status == 201, await device.text()
    body = await device.json()
    await client.delete("/api/session", headers=headers)
    return body["token"], body["id"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_replay_storm_of_100_leaves_one_record(client, web_db, city) -> None:
    token, _ = await register_device(client, city)
    config = await client.get("/device/v1/config", headers=bearer(token))
    assert config.status == 200
    assert (await config.json())["window"]["name"] == "3号窗口"
    beat = await client.post(
        "/device/v1/heartbeat", json={"battery": 88, "buffered": 100}, headers=bearer(token)
    )
    assert beat.status == 200
    rating = {"level": "满意", "idempotency_key": "dev-3:000042", "rated_at": "2026-11-23T09:30:00+08:00"}

    async def send() -> int:
        response = await client.post("/device/v1/evaluations", json=rating, headers=bearer(token))
        await response.read()
        return response.status

    statuses = await asyncio.gather(*(send() for _ in range(100)))
    assert sorted(statuses) == [200] * 99 + [201]
    with web_db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Evaluation)) == 1


async def test_revoked_or_unknown_token_is_refused(client, web_db, city) -> None:
    token, device_id = await register_device(client, city)
    ok = await client.post(
        "/device/v1/evaluations", json={"level": "满意", "idempotency_key": "a"}, headers=bearer(token)
    )
    assert ok.status == 201
    headers = await as_admin(client)
    revoked = await client.post(f"/api/admin/devices/{device_id}/revoke", headers=headers)
    assert revoked.status == 200 and (await revoked.json())["revoked_at"]
    for method, path in (
        ("GET", "/device/v1/config"),
        ("POST", "/device/v1/evaluations"),
        ("POST", "/device/v1/heartbeat"),
    ):
        for headers in (bearer(token), bearer("not-a-token"), {}):
            response = await client.request(
                method, path, json={"level": "满意", "idempotency_key": "b"}, headers=headers
            )
            assert response.status == 401, (method, path)
            assert (await response.json())["error"]["code"] == "device_token_invalid"
    with web_db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Evaluation)) == 1


async def test_bad_input_is_422_and_changes_nothing(client, web_db, city) -> None:
    token, _ = await register_device(client, city)
    for body, code in (
        ({"level": "满意"}, "idempotency_key_required"),
        ({"level": "一般般", "idempotency_key": "x"}, "invalid_level"),
        ({"level": "满意", "idempotency_key": "x", "phone": "12"}, "invalid_phone"),
        ({"level": "满意", "idempotency_key": "x", "rated_at": "昨天"}, "invalid_rated_at"),
    ):
        response = await client.post("/device/v1/evaluations", json=body, headers=bearer(token))
        assert response.status == 422, body
        assert (await response.json())["error"]["code"] == code
    with web_db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Evaluation)) == 0


async def test_bad_rating_is_the_units_ticket_and_can_be_appealed(client, web_db, city) -> None:
    token, _ = await register_device(client, city)
    before = datetime.now().astimezone()
    response = await client.post(
        "/device/v1/evaluations", json={**BAD, "idempotency_key": "bad-1"}, headers=bearer(token)
    )
    assert response.status == 201
    number = (await response.json())["ticket_number"]
    with web_db.read_session() as s:
        ticket = s.execute(select(Ticket).where(Ticket.number == number)).scalar_one()
        assert (ticket.channel, ticket.holder_unit_id, ticket.contact_phone) == (
            "rating_device",
            city.street,
            None,
        )
        lead = s.execute(
            select(Assignment).where(Assignment.ticket_id == ticket.id, Assignment.role == "lead")
        ).scalar_one()
        assert lead.unit_id == city.street
        assert timedelta(days=7) <= lead.reply_due_at - before < timedelta(days=7, minutes=1)
        ticket_id = ticket.id

    street = {"X-CSRF-Token": await login(client, "street")}
    listed = await (await client.get("/api/ratings/bad", headers=street)).json()
    (item,) = listed["items"]
    assert item["ticket_id"] == ticket_id and item["reasons"] == ["多次跑动"]
    assert "rater_phone" not in item
    detail = await (await client.get(f"/api/tickets/{ticket_id}", headers=street)).text()
    assert "3912345678" not in detail and "5678" not in re.sub(r"\d{14}", "", detail)
    appeal = await client.post(
        f"/api/tickets/{ticket_id}/actions/appeal_rating",
        json={"reason": "评价人误触，现场录像可证"},
        headers=street,
    )
    assert appeal.status == 200, await appeal.text()
    refused = await client.post(
        f"/api/tickets/{ticket_id}/actions/decide_appeal",
        json={"upheld": True, "note": "自己裁决"},
        headers=street,
    )
    assert refused.status == 403
    await client.delete("/api/session", headers=street)
    platform = {"X-CSRF-Token": await login(client, "city")}
    bad_body = await client.post(
        f"/api/tickets/{ticket_id}/actions/decide_appeal",
        json={"upheld": "yes", "note": "x"},
        headers=platform,
    )
    assert bad_body.status == 422
    decided = await client.post(
        f"/api/tickets/{ticket_id}/actions/decide_appeal",
        json={"upheld": True, "note": "误触属实"},
        headers=platform,
    )
    assert decided.status == 200
    actions = [e["action"] for e in (await decided.json())["events"]]
    assert actions[-2:] == ["appeal_rating", "decide_appeal"]
    stats = await (await client.get("/api/ratings/stats?by=window", headers=platform)).json()
    assert stats["items"] == []  # the upheld rating no longer counts
    seen = await (await client.get("/api/ratings/bad", headers=platform)).json()
    assert seen["items"][0]["rater_phone"] == "139****5678"  # the platform (not an agent) sees it masked


async def test_qr_page_rates_a_closed_ticket_once(client, web_db, city) -> None:
    result = submit(
        web_db, Submission(channel="phone_agent", content="咨询社保卡补办", contact_phone="13800138000")
    )
    with web_db.session() as s:
        perform(s, load_for_update(s, result.ticket_id), "close_directly", SYSTEM, {"answer": "已告知"})
    headers = {"X-CSRF-Token": await login(client, "agent")}
    issued = await client.post("/api/ratings/qr", json={"ticket_id": result.ticket_id}, headers=headers)
    assert issued.status == 201, await issued.text()
    qr = await issued.json()
    path = qr["url"].split("//", 1)[1].split("/", 1)[1]
    svg = await client.get(f"/{path}/qr.svg")
    assert svg.status == 200 and svg.content_type == "image/svg+xml"
    png = await client.get(f"/{path}/qr.png")
    assert (await png.read()).startswith(b"\x89PNG")
    page = await client.get(f"/{path}")
    assert page.status == 200 and "非常不满意" in await page.text()
    await client.delete("/api/session", headers=headers)
    rated = await client.post(f"/{path}", data={"level": "satisfied", "reasons": "办事高效"})
    assert rated.status == 201 and "感谢您的评价" in await rated.text()
    again = await client.post(f"/{path}", data={"level": "unsatisfied"})
    assert again.status == 410 and "已评价" in await again.text()
    assert (await client.get(f"/{path}/qr.png")).status == 410
    assert (await client.get("/public/rate/forged-token")).status == 404
    with web_db.read_session() as s:
        (evaluation,) = s.execute(select(Evaluation)).scalars()
        assert (evaluation.rated_ticket_id, evaluation.level, evaluation.reasons) == (
            result.ticket_id,
            "satisfied",
            ["办事高效"],
        )
