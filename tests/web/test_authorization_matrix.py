"""The authorisation matrix: EVERY route the application registers, with every role and anonymously.

The routes are read from `app.router`, so a route added without a row here fails this test; a row
for a route that no longer exists fails it too. Each cell is the status class the caller must get:
"2xx", "401" (not logged in), "403" (logged in, not allowed) or "404" (outside one's scope: a
handler of another unit must not even learn that the ticket exists).

One app, one city, one login per role; rows run in order, and the two that change state for good
(signing the community's assignment, logging out) come last. Admin writes use valid bodies (so the
admin really gets 2xx) that leave every account the matrix logs in with, and every row before, usable.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
import pytest
from sqlalchemy import select

from dispatch.context import dispatch_context
from dispatch.graded_dispatch import dispatch_ticket
from dispatch.handling import sign
from dispatch.leader_sessions import SessionPlan, schedule
from dispatch.models import Assignment
from dispatch.routing import add_rule
from tests.dispatch.conftest import PASSWORD, PASSWORD_HASH, build_city
from tests.support.leader_days import window_around_now
from tests.support.ratings import Hall, build_hall
from tests.web.test_open311 import add_catalogue
from tests.web.test_public import REQUEST
from ticketing.attachments import store_attachment
from ticketing.db import Database
from ticketing.intake import submit
from ticketing.models import KnowledgeArticle, OrgUnit, Ticket, User
from ticketing.rating_devices import register_device
from ticketing.rating_tokens import issue_visit_token
from ticketing.submission import Submission
from ticketing.ticket_actions import Actor
from web.app import create_app
from web.keys import DATA_DIR_KEY
from web.rate_limit import Limit, RateLimits

# Role name in the matrix -> the demo user who plays it. `handler` works in the community that holds
# the ticket (unit X); `handler_y` in another street (unit Y).
PLAYERS = {
    "anonymous": None,
    "agent": "agent",
    "dispatcher": "city",
    "handler": "community",
    "handler_y": "other_street",
    "supervisor": "supervisor",
    "leader": "leader",
    "admin": "admin",
    "analyst": "analyst",
}
ROLES = list(PLAYERS)
EXTRA_USERS = [("supervisor", "supervisor"), ("leader", "leader"), ("admin", "admin"), ("analyst", "analyst")]
OFF = Limit(0, 60)
NO_LIMITS = RateLimits(
    public=OFF, public_submit=OFF, public_lookup=OFF, login=OFF, open311_post=OFF, lookup_failures=OFF
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@dataclass
class World:
    ticket_id: int
    number: str
    open311_number: str
    article_id: int
    community_assignment: int
    attachment_id: int  # a photo on the community's ticket
    platform: int
    department: int  # a unit, and a user, nobody in the matrix logs in as: admin edits them
    department_user: int
    rule_id: int
    hall: Hall
    spare_device: int  # revoked by the admin's row
    mint_rating_token: Callable[[], str]  # a fresh QR token per request (each rates once)
    leader_session: int  # today's live-answer session of the `leader` player, around now
    sessions: dict[str, tuple[str, str]] = field(default_factory=dict)  # role -> (cookie, csrf)


Probe = Callable[["Caller", World], Awaitable[int]]


class Caller:
    """One client, requests made as one role at a time (cookies passed explicitly, jar kept empty)."""

    def __init__(self, client, world: World, role: str) -> None:
        self.client, self.world, self.role = client, world, role

    def headers(self) -> dict[str, str]:
        if self.role not in self.world.sessions:
            return {}
        cookie, csrf = self.world.sessions[self.role]
        return {"Cookie": f"hotline_session={cookie}", "X-CSRF-Token": csrf}

    async def status(self, method: str, url: str, **kwargs) -> int:
        self.client.session.cookie_jar.clear()
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        async with self.client.request(
            method, url, headers=headers, allow_redirects=False, **kwargs
        ) as response:
            await response.read()
            return response.status


def call(method: str, url: str | Callable[[World], str], json: object = None, **kwargs) -> Probe:
    """A plain request; `url` and `json` may be functions of the world (ids known only at run time)."""

    async def probe(caller: Caller, world: World) -> int:
        body = json(world) if callable(json) else json
        extra = {"json": body} if body is not None else {}
        return await caller.status(method, url(world) if callable(url) else url, **extra, **kwargs)

    return probe


async def websocket(caller: Caller, world: World) -> int:
    caller.client.session.cookie_jar.clear()
    try:
        ws = await caller.client.ws_connect("/ws", headers=caller.headers())
    except Exception as error:  # aiohttp raises WSServerHandshakeError carrying the status
        return int(getattr(error, "status", 0))
    await ws.close()
    return 101


async def log_in(caller: Caller, world: World) -> int:
    """A fresh login (no cookie sent, so the role's session stays valid); anonymous guesses wrong."""
    username = PLAYERS[caller.role] or "agent"
    password = PASSWORD if PLAYERS[caller.role] else "wrong-password"
    caller.client.session.cookie_jar.clear()
    response = await caller.client.post("/api/session", json={"username": username, "password": password})
    return response.status


async def public_form(caller: Caller, world: World) -> int:
    caller.client.session.cookie_jar.clear()
    page = await (await caller.client.get("/public/submit")).text()  # sets the form cookie in the jar
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    data = {**REQUEST, "form_token": token}
    response = await caller.client.post("/public/submit", data=data, headers=caller.headers())
    return response.status


async def public_api_form(caller: Caller, world: World) -> int:
    caller.client.session.cookie_jar.clear()
    token = (await (await caller.client.get("/api/public/form-token")).json())["form_token"]
    body = {**REQUEST, "form_token": token}
    response = await caller.client.post("/api/public/requests", json=body, headers=caller.headers())
    return response.status


async def upload(caller: Caller, world: World) -> int:
    form = aiohttp.FormData()  # one per request: aiohttp consumes a form when it sends it
    form.add_field("file", PNG, filename="现场.png", content_type="image/png")
    return await caller.status("POST", f"/api/tickets/{world.ticket_id}/attachments", data=form)


async def page_logout(caller: Caller, world: World) -> int:
    """The console's logout form, with a session of its own (the role's session stays valid): the
    session it ends must be gone afterwards."""
    caller.client.session.cookie_jar.clear()
    headers: dict[str, str] = {}
    if PLAYERS[caller.role]:
        login = await caller.client.post(
            "/api/session", json={"username": PLAYERS[caller.role], "password": PASSWORD}
        )
        cookie = login.cookies["hotline_session"].value
        headers = {"Cookie": f"hotline_session={cookie}"}
        data = {"_csrf": (await login.json())["csrf_token"]}
    else:
        data = {}
    caller.client.session.cookie_jar.clear()
    async with caller.client.post("/logout", data=data, headers=headers, allow_redirects=False) as out:
        status = out.status
    if headers:
        caller.client.session.cookie_jar.clear()
        after = await caller.client.get("/api/session", headers=headers)
        if after.status != 401:
            return 0  # still logged in: no status class the matrix expects
    return status


async def rate_by_qr(caller: Caller, world: World) -> int:
    token = world.mint_rating_token()
    return await caller.status("POST", f"/public/rate/{token}", data={"level": "satisfied"})


def device(method: str, path: str, json: object = None, *, token: bool = True) -> Probe:
    """A device's call: its bearer token is the credential, whoever's session cookie comes along."""

    async def probe(caller: Caller, world: World) -> int:
        headers = {"Authorization": f"Bearer {world.hall.token}"} if token else {}
        return await caller.status(method, path, json=json, headers=headers)

    return probe


def everyone(expected: str) -> dict[str, str]:
    return dict.fromkeys(ROLES, expected)


def staff(expected: str = "2xx") -> dict[str, str]:
    return {**everyone(expected), "anonymous": "401"}


def ticket_scope(inside: str = "2xx") -> dict[str, str]:
    """People at the platform and the community holding the ticket see it; unit Y gets 404."""
    return {**staff(inside), "handler_y": "404"}


def only(*roles: str) -> dict[str, str]:
    """An API for some roles: they get 2xx, other staff 403, anonymous 401."""
    return {**staff("403"), **dict.fromkeys(roles, "2xx")}


def page(*roles: str) -> dict[str, str]:
    """A console page: anonymous is sent to the login page, a role that does not use it gets 403."""
    return {**everyone("403"), **dict.fromkeys(roles, "2xx"), "anonymous": "3xx"}


def admin_only() -> dict[str, str]:
    return only("admin")


INTAKE = ("agent", "dispatcher", "leader", "admin")
PHONE = ("agent", "leader")  # they take calls
SUPERVISING = ("supervisor", "leader", "admin")
LEADER_DAY_VIEWERS = ("leader", "agent", "supervisor", "admin")
DASHBOARD_VIEWERS = ("supervisor", "leader", "admin", "analyst")


TICKET = "/api/tickets/{ticket_id}"
# (method, canonical path) -> [(probe, expected status class per role)]; GET rows cover HEAD too.
MATRIX: dict[tuple[str, str], list[tuple[Probe, dict[str, str]]]] = {
    ("GET", "/healthz"): [(call("GET", "/healthz"), everyone("2xx"))],
    ("POST", "/api/session"): [(log_in, {**everyone("2xx"), "anonymous": "401"})],
    ("GET", "/api/session"): [(call("GET", "/api/session"), staff())],
    ("GET", "/api/tickets"): [(call("GET", "/api/tickets"), staff())],
    ("POST", "/api/tickets"): [
        (
            call(
                "POST", "/api/tickets", json={"content": "矩阵测试：路灯不亮", "contact_phone": "13812345678"}
            ),
            {
                **staff("403"),
                "agent": "2xx",
                "dispatcher": "2xx",
                "leader": "2xx",
                "admin": "2xx",
            },
        )
    ],
    ("GET", TICKET): [(call("GET", lambda w: f"/api/tickets/{w.ticket_id}"), ticket_scope())],
    ("GET", TICKET + "/suggestions"): [
        (call("GET", lambda w: f"/api/tickets/{w.ticket_id}/suggestions"), ticket_scope())
    ],
    ("GET", TICKET + "/attachments"): [
        (call("GET", lambda w: f"/api/tickets/{w.ticket_id}/attachments"), ticket_scope())
    ],
    # Analysts read; they add nothing to a ticket.
    ("POST", TICKET + "/attachments"): [(upload, {**ticket_scope(), "analyst": "403"})],
    ("GET", "/api/attachments/{attachment_id}/content"): [
        (call("GET", lambda w: f"/api/attachments/{w.attachment_id}/content"), ticket_scope())
    ],
    # 督办/催办 by hand: supervisors, leaders and admins; unit Y may not learn the ticket exists.
    ("POST", TICKET + "/supervision"): [
        (
            call(
                "POST",
                lambda w: f"/api/tickets/{w.ticket_id}/supervision",
                json={"kind": "urge", "note": "矩阵测试：请尽快签收"},
            ),
            {**ticket_scope("403"), **dict.fromkeys(SUPERVISING, "2xx")},
        )
    ],
    # Exports: any filtered list the caller may read (scoped like the list), always masked.
    ("GET", "/api/tickets/export.csv"): [(call("GET", "/api/tickets/export.csv"), staff())],
    ("GET", "/api/tickets/export.xlsx"): [
        (call("GET", "/api/tickets/export.xlsx?status=dispatched"), staff())
    ],
    # The agent console's own calls: presence and the screen pop for people who take calls; the
    # intake preview for those who register tickets.
    ("GET", "/api/agent/state"): [(call("GET", "/api/agent/state"), only(*PHONE))],
    ("PUT", "/api/agent/state"): [
        (call("PUT", "/api/agent/state", json={"state": "not_ready"}), only(*PHONE))
    ],
    ("GET", "/api/callers/history"): [(call("GET", "/api/callers/history?phone=13812345678"), only(*PHONE))],
    ("POST", "/api/intake/preview"): [
        (
            call("POST", "/api/intake/preview", json={"content": "路灯不亮", "contact_phone": "13812345678"}),
            only(*INTAKE),
        )
    ],
    # The missed-call callback list is for people who take calls; recording a callback on a call
    # record that is not a missed call is 404 for them.
    ("GET", "/api/missed-calls"): [(call("GET", "/api/missed-calls"), only(*PHONE))],
    ("POST", "/api/missed-calls/{call_record_id}"): [
        (
            call("POST", "/api/missed-calls/999999", json={"outcome": "reached"}),
            {**only(*PHONE), **dict.fromkeys(PHONE, "404")},
        )
    ],
    # Linking the call on screen to the ticket registered from it: those who register, in scope.
    ("POST", TICKET + "/calls"): [
        (
            call("POST", lambda w: f"/api/tickets/{w.ticket_id}/calls", json={"sip_call_id": "matrix@w1"}),
            {**ticket_scope("403"), **dict.fromkeys(INTAKE, "2xx")},
        )
    ],
    # Work lists are the caller's own unit's (or subtree's) work: every member of staff gets theirs.
    ("GET", "/api/worklist/queue"): [(call("GET", "/api/worklist/queue"), staff())],
    ("GET", "/api/worklist/inbox"): [(call("GET", "/api/worklist/inbox"), staff())],
    ("GET", "/api/units/children"): [(call("GET", "/api/units/children"), staff())],
    ("GET", "/api/supervision/board"): [(call("GET", "/api/supervision/board"), staff())],
    ("GET", "/api/knowledge"): [(call("GET", "/api/knowledge?q=社保卡"), staff())],
    ("GET", "/api/knowledge/{article_id}"): [
        (call("GET", lambda w: f"/api/knowledge/{w.article_id}"), staff())
    ],
    ("GET", "/api/openapi.json"): [(call("GET", "/api/openapi.json"), everyone("2xx"))],
    ("GET", "/ws"): [(websocket, staff())],
    # Open311: reads are public, a POST needs an API key (not a session): 401 for everyone without one.
    ("*", "/open311/discovery.{fmt}"): [(call("GET", "/open311/discovery.json"), everyone("2xx"))],
    ("*", "/open311/v2/discovery.{fmt}"): [(call("GET", "/open311/v2/discovery.xml"), everyone("2xx"))],
    ("*", "/open311/v2/services.{fmt}"): [(call("GET", "/open311/v2/services.json"), everyone("2xx"))],
    ("*", "/open311/v2/services/{code}.{fmt}"): [
        (call("GET", "/open311/v2/services/020101.json"), everyone("2xx"))
    ],
    ("*", "/open311/v2/requests.{fmt}"): [
        (call("GET", "/open311/v2/requests.json"), everyone("2xx")),
        (call("POST", "/open311/v2/requests.json", data={"service_code": "020101"}), everyone("401")),
    ],
    ("*", "/open311/v2/requests/{sid}.{fmt}"): [
        (call("GET", lambda w: f"/open311/v2/requests/{w.number}.json"), everyone("2xx"))
    ],
    ("*", "/open311/v2/tokens/{token}.{fmt}"): [
        (call("GET", lambda w: f"/open311/v2/tokens/{w.open311_number}.json"), everyone("2xx"))
    ],
    ("*", "/open311/{tail}"): [(call("GET", "/open311/v3/anything"), everyone("404"))],
    # The citizens' pages and their API: no login, the same for everyone.
    ("GET", "/public"): [(call("GET", "/public"), everyone("3xx"))],
    ("GET", "/public/"): [(call("GET", "/public/"), everyone("2xx"))],
    ("GET", "/public/submit"): [(call("GET", "/public/submit"), everyone("2xx"))],
    ("POST", "/public/submit"): [(public_form, everyone("2xx"))],
    ("GET", "/public/lookup"): [(call("GET", "/public/lookup"), everyone("2xx"))],
    ("POST", "/public/lookup"): [
        (
            call("POST", "/public/lookup", data={"number": "20990101000001", "phone_last4": "5678"}),
            everyone("404"),
        ),
        (call("POST", "/public/lookup", data={"number": "123", "phone_last4": "x"}), everyone("422")),
    ],
    ("GET", "/public/tickets"): [(call("GET", "/public/tickets"), everyone("2xx"))],
    ("GET", "/public/leader-sessions"): [(call("GET", "/public/leader-sessions"), everyone("2xx"))],
    ("GET", "/public/leader-sessions/{session_id}"): [
        (call("GET", lambda w: f"/public/leader-sessions/{w.leader_session}"), everyone("2xx"))
    ],
    ("GET", "/public/static"): [(call("GET", "/public/static/public.css"), everyone("2xx"))],
    ("GET", "/api/public/form-token"): [(call("GET", "/api/public/form-token"), everyone("2xx"))],
    ("POST", "/api/public/requests"): [(public_api_form, everyone("2xx"))],
    ("POST", "/api/public/lookup"): [
        (
            call("POST", "/api/public/lookup", json={"number": "20990101000001", "phone_last4": "5678"}),
            everyone("404"),
        )
    ],
    ("GET", "/api/public/tickets"): [(call("GET", "/api/public/tickets"), everyone("2xx"))],
    ("GET", "/api/public/districts"): [(call("GET", "/api/public/districts"), everyone("2xx"))],
    ("GET", "/api/public/open-data.json"): [(call("GET", "/api/public/open-data.json"), everyone("2xx"))],
    ("GET", "/api/public/open-data.csv"): [(call("GET", "/api/public/open-data.csv"), everyone("2xx"))],
    # The consoles' pages.
    ("GET", "/"): [(call("GET", "/"), everyone("3xx"))],  # to one's console, or to the login page
    ("GET", "/login"): [(call("GET", "/login"), {**everyone("3xx"), "anonymous": "2xx"})],
    ("GET", "/static"): [(call("GET", "/static/console.css"), everyone("2xx"))],
    ("GET", "/agent"): [(call("GET", "/agent"), page("agent", "leader"))],
    ("GET", "/dispatch"): [(call("GET", "/dispatch"), page("dispatcher", "admin"))],
    ("GET", "/workbench"): [(call("GET", "/workbench"), page("handler", "handler_y", "dispatcher", "admin"))],
    ("GET", "/supervisor"): [(call("GET", "/supervisor"), page("supervisor", "leader", "admin", "analyst"))],
    ("GET", "/admin"): [(call("GET", "/admin"), page("admin"))],
    ("GET", "/admin/devices"): [(call("GET", "/admin/devices"), page("admin"))],
    ("GET", "/leader"): [(call("GET", "/leader"), page(*LEADER_DAY_VIEWERS))],
    # 领导接听日: leaders see their own sessions; agents record the calls' tickets; supervisors watch.
    ("GET", "/api/leader-sessions"): [(call("GET", "/api/leader-sessions"), only(*LEADER_DAY_VIEWERS))],
    ("GET", "/api/leader-sessions/{session_id}"): [
        (call("GET", lambda w: f"/api/leader-sessions/{w.leader_session}"), only(*LEADER_DAY_VIEWERS))
    ],
    ("POST", "/api/leader-sessions/{session_id}/calls/{call_id}/handoff"): [
        (
            call("POST", lambda w: f"/api/leader-sessions/{w.leader_session}/calls/5071-c1-123/handoff"),
            only("agent"),
        )
    ],
    ("POST", "/api/leader-sessions/{session_id}/tickets"): [
        (
            call(
                "POST",
                lambda w: f"/api/leader-sessions/{w.leader_session}/tickets",
                json={"content": "矩阵测试：领导接听日来电", "contact_phone": "13812345678"},
            ),
            only("agent", "leader", "admin"),
        )
    ],
    ("GET", "/dashboard"): [(call("GET", "/dashboard"), page(*DASHBOARD_VIEWERS))],
    ("GET", "/api/dashboard"): [(call("GET", "/api/dashboard"), only(*DASHBOARD_VIEWERS))],
    ("GET", "/api/dashboard/{table}.xlsx"): [
        (call("GET", "/api/dashboard/rankings.xlsx?month=2026-11"), only(*DASHBOARD_VIEWERS))
    ],
    ("GET", "/tickets/{ticket_id}"): [
        (
            call("GET", lambda w: f"/tickets/{w.ticket_id}"),
            {**ticket_scope(), "anonymous": "3xx"},
        )
    ],
    # The admin API: admins only.
    ("GET", "/api/admin/audit"): [(call("GET", "/api/admin/audit"), admin_only())],
    ("GET", "/api/admin/calendar"): [(call("GET", "/api/admin/calendar?year=2026"), admin_only())],
    ("GET", "/api/admin/categories"): [(call("GET", "/api/admin/categories"), admin_only())],
    ("GET", "/api/admin/knowledge"): [(call("GET", "/api/admin/knowledge"), admin_only())],
    ("GET", "/api/admin/policy"): [(call("GET", "/api/admin/policy"), admin_only())],
    ("GET", "/api/admin/rules"): [(call("GET", "/api/admin/rules"), admin_only())],
    ("GET", "/api/admin/units"): [(call("GET", "/api/admin/units"), admin_only())],
    ("GET", "/api/admin/users"): [(call("GET", "/api/admin/users"), admin_only())],
    ("GET", "/api/admin/leader-sessions"): [(call("GET", "/api/admin/leader-sessions"), admin_only())],
    ("POST", "/api/admin/leader-sessions"): [
        (
            call(
                "POST",
                "/api/admin/leader-sessions",
                json={
                    "leader": "leader",
                    "unit_code": "D01",
                    "date": "2027-03-01",
                    "start": "09:00",
                    "end": "11:00",
                    "topic": "矩阵测试",
                },
            ),
            admin_only(),
        )
    ],
    ("PATCH", "/api/admin/leader-sessions/{session_id}"): [
        (
            call("PATCH", lambda w: f"/api/admin/leader-sessions/{w.leader_session}", json={"topic": "市容"}),
            admin_only(),
        )
    ],
    ("POST", "/api/admin/categories"): [
        (call("POST", "/api/admin/categories", json={"code": "010102", "name": "物业收费"}), admin_only())
    ],
    ("PATCH", "/api/admin/categories/{code}"): [
        (call("PATCH", "/api/admin/categories/020102", json={"name": "停用的分类（矩阵）"}), admin_only())
    ],
    ("POST", "/api/admin/knowledge"): [
        (
            call(
                "POST", "/api/admin/knowledge", json={"title": "居住证办理", "summary": "持身份证到派出所。"}
            ),
            admin_only(),
        )
    ],
    ("PATCH", "/api/admin/knowledge/{article_id}"): [
        (call("PATCH", lambda w: f"/api/admin/knowledge/{w.article_id}", json={"fees": "免费"}), admin_only())
    ],
    ("POST", "/api/admin/rules"): [
        (
            call(
                "POST",
                "/api/admin/rules",
                json={"category_prefix": "0101", "unit_code": "C01", "priority": 5},
            ),
            admin_only(),
        )
    ],
    ("PATCH", "/api/admin/rules/{rule_id}"): [
        (call("PATCH", lambda w: f"/api/admin/rules/{w.rule_id}", json={"priority": 7}), admin_only())
    ],
    ("POST", "/api/admin/units"): [
        (
            call(
                "POST",
                "/api/admin/units",
                json=lambda w: {"code": "D02", "name": "云山区", "kind": "district", "parent_id": w.platform},
            ),
            admin_only(),
        )
    ],
    ("PATCH", "/api/admin/units/{unit_id}"): [
        (
            call("PATCH", lambda w: f"/api/admin/units/{w.department}", json={"phone": "0871-12345"}),
            admin_only(),
        )
    ],
    ("POST", "/api/admin/users"): [
        (
            call(
                "POST",
                "/api/admin/users",
                json={
                    "username": "matrix.agent",
                    "role": "agent",
                    "unit_code": "CITY",
                    "display_name": "矩阵",
                },
            ),
            admin_only(),
        )
    ],
    ("PATCH", "/api/admin/users/{user_id}"): [
        (
            call(
                "PATCH",
                lambda w: f"/api/admin/users/{w.department_user}",
                json={"display_name": "城管局承办人"},
            ),
            admin_only(),
        )
    ],
    ("POST", "/api/admin/users/{user_id}/password"): [
        (
            call(
                "POST",
                lambda w: f"/api/admin/users/{w.department_user}/password",
                json={"password": "another-pass-1"},
            ),
            admin_only(),
        )
    ],
    # 好差评: the QR page and its images are public (the token is the credential); devices use their
    # bearer token and nothing else; staff see their unit's 差评, the platform the statistics.
    ("GET", "/public/rate/{token}"): [
        (call("GET", lambda w: f"/public/rate/{w.mint_rating_token()}"), everyone("2xx")),
        (call("GET", "/public/rate/unknown-token"), everyone("404")),
    ],
    ("POST", "/public/rate/{token}"): [(rate_by_qr, everyone("2xx"))],
    ("GET", "/public/rate/{token}/qr.{kind}"): [
        (call("GET", lambda w: f"/public/rate/{w.mint_rating_token()}/qr.svg"), everyone("2xx"))
    ],
    ("GET", "/device/v1/config"): [
        (device("GET", "/device/v1/config"), everyone("2xx")),
        (device("GET", "/device/v1/config", token=False), everyone("401")),
    ],
    ("POST", "/device/v1/heartbeat"): [
        (device("POST", "/device/v1/heartbeat", {"battery": 80}), everyone("2xx")),
        (device("POST", "/device/v1/heartbeat", {}, token=False), everyone("401")),
    ],
    ("POST", "/device/v1/evaluations"): [
        (
            device("POST", "/device/v1/evaluations", {"level": "满意", "idempotency_key": "m-1"}),
            everyone("2xx"),
        ),
        (device("POST", "/device/v1/evaluations", {"level": "满意"}, token=False), everyone("401")),
    ],
    ("GET", "/api/ratings/bad"): [(call("GET", "/api/ratings/bad"), staff())],
    ("GET", "/api/ratings/stats"): [
        (call("GET", "/api/ratings/stats?by=hall"), {**staff(), "handler": "403", "handler_y": "403"})
    ],
    ("POST", "/api/ratings/qr"): [
        (
            call("POST", "/api/ratings/qr", json=lambda w: {"window_id": w.hall.window}),
            {**staff("403"), "admin": "2xx"},
        ),
    ],
    ("GET", "/api/admin/halls"): [(call("GET", "/api/admin/halls"), admin_only())],
    ("GET", "/api/admin/devices"): [(call("GET", "/api/admin/devices"), admin_only())],
    ("POST", "/api/admin/halls"): [
        (
            call(
                "POST",
                "/api/admin/halls",
                json=lambda w: {"name": "云溪区政务服务中心", "unit_id": w.platform},
            ),
            admin_only(),
        )
    ],
    ("POST", "/api/admin/halls/{hall_id}/windows"): [
        (
            call(
                "POST",
                lambda w: f"/api/admin/halls/{w.hall.hall}/windows",
                json=lambda w: {"name": "5号窗口", "unit_id": w.platform},
            ),
            admin_only(),
        )
    ],
    ("POST", "/api/admin/devices"): [
        (
            call(
                "POST",
                "/api/admin/devices",
                json=lambda w: {"name": "矩阵评价器", "window_id": w.hall.window},
            ),
            admin_only(),
        )
    ],
    ("POST", "/api/admin/devices/{device_id}/revoke"): [
        (call("POST", lambda w: f"/api/admin/devices/{w.spare_device}/revoke"), admin_only())
    ],
    # Today's numbers written back (the rows after this one run on the policy they ran on before).
    ("PUT", "/api/admin/policy/limits/{grade}/{stage}"): [
        (
            call("PUT", "/api/admin/policy/limits/normal/reply", json={"amount": 5, "unit": "working_days"}),
            admin_only(),
        )
    ],
    ("PUT", "/api/admin/policy/settings/{key}"): [
        (call("PUT", "/api/admin/policy/settings/warning_share", json={"value": 0.8}), admin_only())
    ],
    ("PUT", "/api/admin/calendar/{day}"): [
        (
            call("PUT", "/api/admin/calendar/2027-02-06", json={"is_workday": True, "name": "调休上班"}),
            admin_only(),
        )
    ],
    # State changes for good: last. The community's handler signs its assignment (after everyone
    # else was refused), then everyone logs out.
    # 回访: people who take calls call back and enter answers; the platform reads the review queue.
    ("GET", "/api/surveys/callbacks"): [(call("GET", "/api/surveys/callbacks"), only(*PHONE))],
    ("GET", "/api/surveys/review"): [(call("GET", "/api/surveys/review"), only("dispatcher", "admin"))],
    # No such task: the right roles get as far as the lookup (404), the others are refused first.
    ("POST", "/api/surveys/{task_id}/answers"): [
        (
            call("POST", "/api/surveys/999999/answers", json={"resolved": True, "satisfaction": "satisfied"}),
            {**staff("403"), **dict.fromkeys(PHONE, "404")},
        )
    ],
    ("PUT", "/api/citizens/callback-opt-out"): [
        (
            call("PUT", "/api/citizens/callback-opt-out", json={"phone": "13900001111", "opt_out": True}),
            only(*PHONE),
        )
    ],
    ("POST", TICKET + "/actions/{action}"): [
        (
            call(
                "POST",
                lambda w: f"/api/tickets/{w.ticket_id}/actions/sign",
                json=lambda w: {"assignment_id": w.community_assignment},
            ),
            {**ticket_scope("403"), "handler": "2xx"},
        )
    ],
    # The logout form: without the CSRF field it is refused (no other site can log anyone out);
    # with it, it ends a session of its own (page_logout) and goes to the login page.
    ("POST", "/logout"): [
        (
            call("POST", "/logout", data={}, headers={"X-CSRF-Token": ""}),
            {**everyone("403"), "anonymous": "3xx"},
        ),
        (page_logout, everyone("3xx")),
    ],
    ("DELETE", "/api/session"): [(call("DELETE", "/api/session"), everyone("2xx"))],
}
# `handler` signs last of all roles on the action row: roles run in this order on every row.
ORDER = [
    "anonymous",
    "handler_y",
    "agent",
    "dispatcher",
    "supervisor",
    "leader",
    "admin",
    "analyst",
    "handler",
]


def status_class(status: int) -> str:
    if status == 101 or 200 <= status < 300:
        return "2xx"
    if 300 <= status < 400:
        return "3xx"
    return str(status)


def routes_of(app) -> set[tuple[str, str]]:
    """Every (method, path) the app answers; HEAD is GET's (aiohttp adds it to every GET route)."""
    found = {(route.method, route.resource.canonical) for route in app.router.routes()}
    return {(method, path) for method, path in found if method != "HEAD"}


def build_world(db: Database, data_dir) -> World:
    city = build_city(db)
    add_catalogue(db)
    with db.session() as s:
        platform = s.execute(select(OrgUnit).where(OrgUnit.code == "CITY")).scalar_one()
        for username, role in EXTRA_USERS:
            s.add(
                User(
                    username=username,
                    display_name=username,
                    password_hash=PASSWORD_HASH,
                    role=role,
                    unit_id=platform.id,
                )
            )
        article = KnowledgeArticle(title="社会保障卡挂失与补换", keywords="社保卡", summary="先挂失再补办。")
        s.add(article)
        s.flush()
        article_id = article.id
        rule_id = add_rule(s, "0201", "C01").id
        s.flush()
        leader_session = schedule(
            s, SessionPlan("leader", "D01", **window_around_now(), topic="城市管理", public=True)
        ).id
    result = submit(
        db,
        Submission(
            channel="phone_agent",
            content="柳湾社区路灯不亮",
            contact_phone="13812345678",
            category_code="020101",
            area_code="D01S01C01",
        ),
    )
    open311 = submit(db, Submission(channel="open311", content="路面塌陷", category_code="020101"))
    t = result.ticket_id
    with dispatch_context(db) as ctx:
        dispatch_ticket(ctx, city.op(db, "city"), t, city.district)
    for holder, child in (("district", city.street), ("street", city.community)):
        with dispatch_context(db) as ctx:
            lead = ctx.session.execute(
                select(Assignment).where(Assignment.ticket_id == t, Assignment.status == "pending")
            ).scalar_one()
            sign(ctx, city.op(db, holder), lead.id)
        with dispatch_context(db) as ctx:
            dispatch_ticket(ctx, city.op(db, holder), t, child)
    with db.read_session() as s:
        community = s.execute(
            select(Assignment.id).where(Assignment.ticket_id == t, Assignment.unit_id == city.community)
        ).scalar_one()
    with db.session() as s:
        photo = store_attachment(
            s,
            data_dir,
            s.get_one(Ticket, t),
            kind="image",
            filename="路灯.png",
            content_type="image/png",
            data=PNG,
            actor=Actor("community", city.users["community"]),
        )
        s.flush()
        attachment_id = photo.id
    hall = build_hall(db, city)
    with db.session() as s:
        spare, _ = register_device(s, "备用评价器", hall.window)
        spare_id = spare.id

    def mint_rating_token() -> str:
        with db.session() as s:
            return issue_visit_token(s, hall.window)[1]

    return World(
        t,
        result.number,
        open311.number,
        article_id,
        community,
        attachment_id,
        city.platform,
        city.department,
        city.users["department"],
        rule_id,
        hall,
        spare_id,
        mint_rating_token,
        leader_session,
    )


@pytest.fixture
async def matrix_client(aiohttp_client, web_db, redis_url, tmp_path):
    app = create_app(web_db, redis_url, tmp_path, NO_LIMITS)
    return app, await aiohttp_client(app)


async def test_every_route_with_every_role(matrix_client, web_db):
    app, client = matrix_client
    registered = routes_of(app)
    assert not registered - set(MATRIX), (
        f"routes without a row in the authorisation matrix: {registered - set(MATRIX)}"
    )
    assert not set(MATRIX) - registered, (
        f"matrix rows for routes that do not exist: {set(MATRIX) - registered}"
    )

    world = build_world(web_db, app[DATA_DIR_KEY])
    for role, username in PLAYERS.items():
        if username is not None:
            client.session.cookie_jar.clear()  # else each login would end the previous role's session
            response = await client.post("/api/session", json={"username": username, "password": PASSWORD})
            assert response.status == 200, (role, await response.text())
            world.sessions[role] = (
                response.cookies["hotline_session"].value,
                (await response.json())["csrf_token"],
            )

    wrong: list[str] = []
    for (method, path), probes in MATRIX.items():
        for probe, expected in probes:
            for role in ORDER:
                got = status_class(await probe(Caller(client, world, role), world))
                if got != expected[role]:
                    wrong.append(f"{method} {path} as {role}: expected {expected[role]}, got {got}")
    assert not wrong, "\n".join(wrong)
