"""The server-rendered consoles: login, a home that sends each role to its console, the agent's desk,
the dispatcher's queue, the department's workbench, the supervisor's board and the ticket page.

Pages read through the same queries as the JSON API; every action on them is an API call from the
small scripts in web/static/ (so integrators and tests use the same path).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy import func, select

from dispatch.models import Assignment
from dispatch.operators import Operator
from dispatch.returns import RETURN_REASONS
from dispatch.visibility import can_see
from ticketing.errors import InvalidInput
from ticketing.models import Category, OrgUnit, Ticket, TicketEvent
from ticketing.rating_devices import device_json, list_devices
from ticketing.ticket_actions import events_of
from ticketing.vocabulary import Grade, OrgKind, Role, TicketType
from web import worklists
from web.admin_ratings import halls_json
from web.attachments_api import list_for
from web.auth import COOKIE, OPERATOR, SESSION, SESSIONS_KEY
from web.dashboard_api import DEFAULT_ORDER, SECTION_ORDER, VIEWERS, charts_of, load_dashboard, period_of
from web.keys import DB_KEY
from web.leader_days_api import sessions_for
from web.serialize import assignment_json, event_json, iso, ticket_detail
from web.templating import STATIC, render
from web.timeline import describe, unit_ids_in


@dataclass(frozen=True)
class Console:
    path: str
    title: str
    roles: frozenset[str]


CONSOLES = (
    Console("/agent", "座席受理", frozenset({"agent", "leader"})),
    Console("/dispatch", "派单队列", frozenset({"dispatcher", "admin"})),
    Console("/workbench", "承办工作台", frozenset({"handler", "dispatcher", "admin"})),
    Console("/supervisor", "督办看板", frozenset({"supervisor", "leader", "admin", "analyst"})),
    Console("/admin", "系统管理", frozenset({"admin"})),
    Console("/admin/devices", "评价器管理", frozenset({"admin"})),
    Console("/leader", "领导接听日", frozenset({"leader", "agent", "supervisor", "admin"})),
    Console("/dashboard", "考核看板", VIEWERS),
)


def consoles_for(role: str) -> list[Console]:
    return [c for c in CONSOLES if role in c.roles]


def _login_redirect(request: web.Request) -> web.HTTPFound:
    return web.HTTPFound(f"/login?next={request.path_qs}" if request.path != "/" else "/login")


def _page_context(request: web.Request, title: str, active: str = "") -> dict[str, Any]:
    operator: Operator = request[OPERATOR]
    return {
        "title": title,
        "active": active,
        "operator": operator,
        "role_label": Role(operator.role).label,
        "consoles": consoles_for(operator.role),
        "csrf_token": request[SESSION].csrf_token,
    }


async def _unit_name(request: web.Request, unit_id: int) -> str:
    def load() -> str:
        with request.app[DB_KEY].read_session() as s:
            return s.get_one(OrgUnit, unit_id).name

    return await asyncio.to_thread(load)


def _last_event_id(session: Any) -> int:
    return session.scalar(select(func.max(TicketEvent.id))) or 0


def _denied(request: web.Request, message: str, status: int = 403) -> web.Response:
    return render("message.html", status=status, message=message, **_page_context(request, "无法访问"))


def console_page(path: str) -> Any:
    """Decorator: the page needs a session (else the login page) and a role that uses this console."""
    console = next(c for c in CONSOLES if c.path == path)

    def wrap(build: Any) -> Any:
        async def handler(request: web.Request) -> web.StreamResponse:
            if OPERATOR not in request:
                raise _login_redirect(request)
            if request[OPERATOR].role not in console.roles:
                return _denied(
                    request, f"您的角色（{Role(request[OPERATOR].role).label}）不使用{console.title}。"
                )
            context = _page_context(request, console.title, path)
            context["unit_name"] = await _unit_name(request, request[OPERATOR].unit_id)
            context["last_event_id"] = await _read(request, _last_event_id)
            return await build(request, context)

        return handler

    return wrap


async def home(request: web.Request) -> web.StreamResponse:
    if OPERATOR not in request:
        raise web.HTTPFound("/login")
    consoles = consoles_for(request[OPERATOR].role)
    if consoles:
        raise web.HTTPFound(consoles[0].path)
    return _denied(request, "您的角色暂无可用的工作台。")


async def login_page(request: web.Request) -> web.StreamResponse:
    target = request.query.get("next", "/")
    if not target.startswith("/") or target.startswith("//"):  # no open redirect to another site
        target = "/"
    if OPERATOR in request:
        raise web.HTTPFound(target)
    return render("login.html", title="登录", next=target)


async def logout(request: web.Request) -> web.StreamResponse:
    """A form POST carrying the CSRF field (checked by the session middleware), so no page elsewhere
    can log a user out."""
    if SESSION in request:
        await request.app[SESSIONS_KEY].delete(request[SESSION].token)
    response = web.HTTPFound("/login")
    response.del_cookie(COOKIE, path="/")
    raise response


async def _read(request: web.Request, fn: Any, *args: Any) -> Any:
    def run() -> Any:
        with request.app[DB_KEY].read_session() as s:
            return fn(s, *args)

    return await asyncio.to_thread(run)


@console_page("/agent")
async def agent_page(request: web.Request, context: dict[str, Any]) -> web.Response:
    return render(
        "agent.html",
        types=[(t.value, t.label) for t in TicketType],
        grades=[(g.value, g.label) for g in Grade],
        **context,
    )


@console_page("/dispatch")
async def dispatch_page(request: web.Request, context: dict[str, Any]) -> web.Response:
    operator = request[OPERATOR]
    rows = await _read(request, worklists.dispatch_queue, operator)
    units = await _read(request, worklists.child_units, operator)
    return render(
        "dispatch.html", rows=rows, units=units, grades=[(g.value, g.label) for g in Grade], **context
    )


@console_page("/workbench")
async def workbench_page(request: web.Request, context: dict[str, Any]) -> web.Response:
    rows = await _read(request, worklists.inbox, request[OPERATOR])
    return render("workbench.html", rows=rows, reasons=RETURN_REASONS, **context)


@console_page("/supervisor")
async def supervisor_page(request: web.Request, context: dict[str, Any]) -> web.Response:
    cards = await _read(request, worklists.supervision_board, request[OPERATOR])
    red = [c for c in cards if c["level"] == "red"]
    yellow = [c for c in cards if c["level"] == "yellow"]
    other = [c for c in cards if c["level"] not in ("red", "yellow")]
    can_act = request[OPERATOR].role in ("supervisor", "leader", "admin")
    return render("supervisor.html", red=red, yellow=yellow, other=other, can_act=can_act, **context)


def _devices_page_data(session: Any) -> dict[str, Any]:
    halls = halls_json(session)
    places = {w["id"]: f"{h['name']} · {w['name']}" for h in halls for w in h["windows"]}
    devices = [
        {**device_json(d), "place": places.get(d.window_id, "—"), "last_seen_at": iso(d.last_seen_at)}
        for d in list_devices(session)
    ]
    return {"halls": halls, "devices": devices}


@console_page("/admin/devices")
async def devices_page(request: web.Request, context: dict[str, Any]) -> web.Response:
    return render("devices.html", **await _read(request, _devices_page_data), **context)


@console_page("/leader")
async def leader_page(request: web.Request, context: dict[str, Any]) -> web.Response:
    sessions = await _read(request, sessions_for, request[OPERATOR])
    return render(
        "leader.html",
        sessions=sessions,
        types=[(t.value, t.label) for t in TicketType],
        is_admin=request[OPERATOR].role == Role.ADMIN.value,
        **context,
    )


@console_page("/dashboard")
async def dashboard_page(request: web.Request, context: dict[str, Any]) -> web.Response:
    operator = request[OPERATOR]
    try:
        period = period_of(request)
    except InvalidInput as error:
        return render("message.html", status=error.http_status, message=error.message, **context)
    dashboard = await load_dashboard(request, operator, period)
    order = [k for k in SECTION_ORDER.get(operator.role, DEFAULT_ORDER) if k in dashboard.tables]
    return render(
        "dashboard.html",
        month=period.label,
        sections=[dashboard.tables[k] for k in order],
        pictures=charts_of(dashboard),
        weights=dashboard.weights,
        **context,
    )


def _ticket_page_data(session: Any, operator: Operator, ticket_id: int) -> dict[str, Any] | None:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or not can_see(session, operator, ticket_id):
        return None
    events = [event_json(e) for e in events_of(session, ticket_id)]
    assignments = [
        assignment_json(a)
        for a in session.execute(
            select(Assignment).where(Assignment.ticket_id == ticket_id).order_by(Assignment.id)
        ).scalars()
    ]
    ids = unit_ids_in(events) | {a["unit_id"] for a in assignments}
    ids |= {i for i in (ticket.holder_unit_id, ticket.area_unit_id) if i}
    names = worklists.unit_names(session, ids)
    for a in assignments:
        a["unit_name"] = names.get(a["unit_id"], a["unit_id"])
        a["status_label"] = worklists.ASSIGNMENT_STATUS_LABELS.get(a["status"], a["status"])
    detail = ticket_detail(ticket, operator)
    detail["holder_unit_name"] = names.get(ticket.holder_unit_id or 0, "—")
    category = session.get(Category, ticket.category_code) if ticket.category_code else None
    detail["category_label"] = f"{category.name}（{category.code}）" if category else "—"
    return {
        "ticket": detail,
        "events": [describe(e, names) for e in reversed(events)],  # newest first: what happened last
        "assignments": assignments,
        "attachments": list_for(session, ticket_id),
    }


async def ticket_page(request: web.Request) -> web.StreamResponse:
    if OPERATOR not in request:
        raise _login_redirect(request)
    try:
        ticket_id = int(request.match_info["ticket_id"])
    except ValueError:
        ticket_id = 0
    data = await _read(request, _ticket_page_data, request[OPERATOR], ticket_id)
    if data is None:
        return _denied(request, "工单不存在，或不在您的权限范围内。", status=404)
    context = _page_context(request, f"工单 {data['ticket']['number']}")
    context["unit_name"] = await _unit_name(request, request[OPERATOR].unit_id)
    context["last_event_id"] = await _read(request, _last_event_id)
    return render("ticket.html", **data, **context)


@console_page("/admin")
async def admin_page(request: web.Request, context: dict[str, Any]) -> web.Response:
    """The tables and forms are built by admin.js from the admin JSON API; the page only carries the
    choices that the forms offer."""
    return render(
        "admin.html",
        roles=[(r.value, r.label) for r in Role],
        kinds=[(k.value, k.label) for k in OrgKind],
        grades=[(g.value, g.label) for g in Grade],
        **context,
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", home)
    app.router.add_get("/login", login_page)
    app.router.add_post("/logout", logout)
    app.router.add_get("/agent", agent_page)
    app.router.add_get("/dispatch", dispatch_page)
    app.router.add_get("/workbench", workbench_page)
    app.router.add_get("/supervisor", supervisor_page)
    app.router.add_get("/admin/devices", devices_page)
    app.router.add_get("/leader", leader_page)
    app.router.add_get("/dashboard", dashboard_page)
    app.router.add_get(r"/tickets/{ticket_id}", ticket_page)
    app.router.add_get("/admin", admin_page)
    # Every script, style and font is ours: government networks are often cut off from any CDN.
    app.router.add_static("/static/", STATIC)
