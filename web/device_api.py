"""`/device/v1/...`: the API of the in-hall rating devices (评价器).

A device authenticates with its own bearer token (never a session; CSRF does not apply), and is
rate-limited per client address like every channel without a login. Devices buffer ratings while
offline and replay them; the idempotency key makes a replay storm leave one record.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from dispatch.ratings import accept_device_rating
from ticketing.errors import InvalidInput
from ticketing.evaluations import BAD_REASONS, GOOD_REASONS
from ticketing.models import RatingDevice, ServiceHall, ServiceWindow, Ticket, User, utcnow
from ticketing.rating_devices import DeviceTokenInvalid, authenticate_device
from ticketing.vocabulary import RatingLevel
from web.keys import DB_KEY
from web.request_parsing import json_object
from web.serialize import iso

PREFIX = "/device/v1"
MAX_STATUS_BYTES = 2048


def _bearer(request: web.Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def device_of(request: web.Request) -> RatingDevice:
    """The active device for the request's token; 401 for a missing, unknown or revoked token."""
    token, db = _bearer(request), request.app[DB_KEY]

    def load() -> RatingDevice:
        with db.read_session() as session:
            device = authenticate_device(session, token)
            session.expunge(device)
            return device

    return await asyncio.to_thread(load)


def _status(body: dict[str, Any]) -> dict[str, Any]:
    """What a heartbeat reports (battery, app version, buffered ratings...): kept as given, if small."""
    if len(json.dumps(body, ensure_ascii=False)) > MAX_STATUS_BYTES:
        raise InvalidInput(f"心跳内容过大：最多 {MAX_STATUS_BYTES} 字节", code="status_too_large")
    return body


async def heartbeat(request: web.Request) -> web.Response:
    device = await device_of(request)
    status = _status(await json_object(request)) if request.can_read_body else {}
    db = request.app[DB_KEY]
    now = utcnow()

    def touch() -> None:
        with db.session() as session:
            row = session.get_one(RatingDevice, device.id)
            row.last_seen_at, row.last_status = now, status

    await asyncio.to_thread(touch)
    return web.json_response({"ok": True, "server_time": iso(now)})


async def config(request: web.Request) -> web.Response:
    """What the device shows: where it stands, whom it rates, the levels and the reason tags."""
    device = await device_of(request)
    db = request.app[DB_KEY]

    def load() -> dict[str, Any]:
        with db.read_session() as session:
            hall = session.get_one(ServiceHall, device.hall_id)
            window = session.get_one(ServiceWindow, device.window_id)
            staff = session.get(User, device.staff_user_id) if device.staff_user_id else None
            return {
                "device": {"id": device.id, "name": device.name},
                "hall": {"id": hall.id, "name": hall.name},
                "window": {"id": window.id, "name": window.name},
                "staff": {"id": staff.id, "name": staff.display_name} if staff else None,
                "levels": [{"value": level.value, "label": level.label} for level in RatingLevel],
                "reasons": {"good": list(GOOD_REASONS), "bad": list(BAD_REASONS)},
                "server_time": iso(utcnow()),
            }

    return web.json_response(await asyncio.to_thread(load))


async def post_evaluation(request: web.Request) -> web.Response:
    token = _bearer(request)
    if not token:
        raise DeviceTokenInvalid("请求缺少评价器令牌（Authorization: Bearer …）")
    body = await json_object(request)
    db = request.app[DB_KEY]

    def run() -> dict[str, Any]:
        accepted = accept_device_rating(db, token, body)
        number = None
        if accepted.bad_ticket_id is not None:
            with db.read_session() as session:
                number = session.get_one(Ticket, accepted.bad_ticket_id).number
        return {
            "evaluation_id": accepted.evaluation_id,
            "created": accepted.created,
            "level": accepted.level,
            "ticket_number": number,
        }

    answer = await asyncio.to_thread(run)
    return web.json_response(answer, status=201 if answer["created"] else 200)


def add_routes(app: web.Application) -> None:
    app.router.add_post(f"{PREFIX}/heartbeat", heartbeat)
    app.router.add_get(f"{PREFIX}/config", config)
    app.router.add_post(f"{PREFIX}/evaluations", post_evaluation)
