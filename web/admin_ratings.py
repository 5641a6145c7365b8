"""Admin API for 好差评 equipment: service halls, their windows, and the rating devices (register a
device and get its token once; revoke it). Every change is audited like any admin change."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.operators import Operator
from ticketing.models import ServiceHall, ServiceWindow
from ticketing.rating_devices import (
    add_hall,
    add_window,
    device_json,
    list_devices,
    register_device,
    revoke_device,
)
from web.admin_api import Change, admin_of, change, read
from web.admin_body import Body
from web.request_parsing import path_int


def hall_json(hall: ServiceHall, windows: list[ServiceWindow]) -> dict[str, Any]:
    return {
        "id": hall.id,
        "name": hall.name,
        "unit_id": hall.unit_id,
        "address": hall.address,
        "windows": [{"id": w.id, "name": w.name, "unit_id": w.unit_id} for w in windows],
    }


def halls_json(session: Session) -> list[dict[str, Any]]:
    windows = list(session.execute(select(ServiceWindow).order_by(ServiceWindow.id)).scalars())
    halls = session.execute(select(ServiceHall).order_by(ServiceHall.id)).scalars()
    return [hall_json(h, [w for w in windows if w.hall_id == h.id]) for h in halls]


async def list_halls(request: web.Request) -> web.Response:
    return await read(request, lambda session: {"items": halls_json(session)})


async def post_hall(request: web.Request) -> web.Response:
    admin_of(request)
    body = await Body.read(request, ("name", "unit_id", "address"))
    name = body.text("name", required=True)
    unit_id = body.integer("unit_id", required=True)
    address = body.text("address", max_len=300)

    def work(session: Session, _: Operator) -> Change:
        hall = add_hall(session, name or "", unit_id or 0, address)
        return Change("create", "service_hall", hall.id, None, hall_json(hall, []))

    return await change(request, work, status=201)


async def post_window(request: web.Request) -> web.Response:
    admin_of(request)
    hall_id = path_int(request, "hall_id", "大厅不存在", "hall_not_found")
    body = await Body.read(request, ("name", "unit_id"))
    name, unit_id = body.text("name", required=True), body.integer("unit_id", required=True)

    def work(session: Session, _: Operator) -> Change:
        window = add_window(session, hall_id, name or "", unit_id or 0)
        after = {"id": window.id, "hall_id": hall_id, "name": window.name, "unit_id": window.unit_id}
        return Change("create", "service_window", window.id, None, after)

    return await change(request, work, status=201)


async def get_devices(request: web.Request) -> web.Response:
    return await read(request, lambda session: {"items": [device_json(d) for d in list_devices(session)]})


async def post_device(request: web.Request) -> web.Response:
    """The token is in this answer only (the audit log records the device, never its token)."""
    admin_of(request)
    body = await Body.read(request, ("name", "window_id", "staff_user_id"))
    name, window_id = body.text("name", required=True), body.integer("window_id", required=True)
    staff_user_id = body.integer("staff_user_id")

    def work(session: Session, _: Operator) -> Change:
        device, token = register_device(session, name or "", window_id or 0, staff_user_id=staff_user_id)
        after = device_json(device)
        return Change("create", "rating_device", device.id, None, after, {**after, "token": token})

    return await change(request, work, status=201)


async def post_revoke(request: web.Request) -> web.Response:
    admin_of(request)
    device_id = path_int(request, "device_id", "评价器不存在", "device_not_found")

    def work(session: Session, _: Operator) -> Change:
        device = revoke_device(session, device_id)
        before = {**device_json(device), "revoked_at": None}
        return Change("revoke", "rating_device", device.id, before, device_json(device))

    return await change(request, work)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/admin/halls", list_halls)
    app.router.add_post("/api/admin/halls", post_hall)
    app.router.add_post("/api/admin/halls/{hall_id}/windows", post_window)
    app.router.add_get("/api/admin/devices", get_devices)
    app.router.add_post("/api/admin/devices", post_device)
    app.router.add_post("/api/admin/devices/{device_id}/revoke", post_revoke)
