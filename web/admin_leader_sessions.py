"""`/api/admin/leader-sessions`: admins schedule, edit and cancel leader live-answer sessions."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from dispatch.leader_sessions import (
    SessionPlan,
    cancel,
    get_session,
    list_sessions,
    parse_clock,
    parse_day,
    plan_of,
    reschedule,
    schedule,
    session_json,
)
from dispatch.operators import Operator
from ticketing.errors import InvalidInput
from web.admin_api import Change, admin_of, change, read
from web.admin_body import Body
from web.request_parsing import path_int

PLAN_FIELDS = ("leader", "unit_code", "date", "start", "end", "topic", "public", "sip_uri", "screened")
EDIT_FIELDS = (*PLAN_FIELDS, "status", "note")
ENTITY = "leader_session"


def _plan(body: Body, base: SessionPlan | None) -> SessionPlan:
    """Fields the body names replace those of `base` (an edit); a new session must name them all."""
    fields: dict[str, Any] = {} if base is None else asdict(base)

    def given(key: str) -> bool:
        return base is None or key in body

    def text(key: str, max_len: int) -> str:
        return str(body.text(key, required=True, max_len=max_len))

    if given("leader"):
        fields["leader_username"] = text("leader", 64)
    if given("unit_code"):
        fields["unit_code"] = text("unit_code", 32)
    if given("date"):
        fields["day"] = parse_day(text("date", 10))
    for key in ("start", "end"):
        if given(key):
            fields[key] = parse_clock(text(key, 8), key)
    if given("topic"):
        fields["topic"] = text("topic", 200)
    for flag in ("public", "screened"):
        if flag in body:
            fields[flag] = body.flag(flag, required=True)
    if "sip_uri" in body:
        fields["sip_uri"] = body.text("sip_uri", max_len=255) or None
    return SessionPlan(**fields)


async def list_route(request: web.Request) -> web.Response:
    def load(session: Session) -> dict[str, Any]:
        return {"items": [session_json(session, row) for row in list_sessions(session)]}

    return await read(request, load)


async def post_route(request: web.Request) -> web.Response:
    admin_of(request)
    plan = _plan(await Body.read(request, PLAN_FIELDS), None)

    def work(session: Session, _: Operator) -> Change:
        row = schedule(session, plan)
        return Change("create", ENTITY, row.id, None, session_json(session, row))

    return await change(request, work, status=201)


async def patch_route(request: web.Request) -> web.Response:
    admin_of(request)
    session_id = path_int(request, "session_id", "接听安排不存在", "unknown_leader_session")
    body = await Body.read(request, EDIT_FIELDS)
    status, note = body.text("status", max_len=20), body.text("note", max_len=500)
    if status not in (None, "cancelled"):
        raise InvalidInput("status 只能设为 cancelled（取消）", code="invalid_status", field="status")

    def work(session: Session, _: Operator) -> Change:
        row = get_session(session, session_id)
        before = session_json(session, row)
        if status == "cancelled":
            cancel(session, row, note)
        else:
            reschedule(session, row, _plan(body, plan_of(session, row)))
        return Change("cancel" if status else "update", ENTITY, row.id, before, session_json(session, row))

    return await change(request, work)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/admin/leader-sessions", list_route)
    app.router.add_post("/api/admin/leader-sessions", post_route)
    app.router.add_patch(r"/api/admin/leader-sessions/{session_id}", patch_route)
