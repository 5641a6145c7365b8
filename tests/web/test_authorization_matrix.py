"""The authorisation matrix: EVERY route the application registers, with every role and anonymously.

The routes are read from `app.router`, so a route added without a row here fails this test; a row
for a route that no longer exists fails it too. Each cell is the status class the caller must get:
"2xx", "401" (not logged in), "403" (logged in, not allowed) or "404" (outside one's scope: a
handler of another unit must not even learn that the ticket exists).

One app, one city, one login per role; rows run in order, and the two that change state for good
(signing the community's assignment, logging out) come last.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from dispatch.context import dispatch_context
from dispatch.graded_dispatch import dispatch_ticket
from dispatch.handling import sign
from dispatch.models import Assignment
from tests.dispatch.conftest import PASSWORD, PASSWORD_HASH, build_city
from tests.web.test_open311 import add_catalogue
from tests.web.test_public import REQUEST
from ticketing.db import Database
from ticketing.intake import submit
from ticketing.models import KnowledgeArticle, OrgUnit, User
from ticketing.submission import Submission
from web.app import create_app
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


@dataclass
class World:
    ticket_id: int
    number: str
    open311_number: str
    article_id: int
    community_assignment: int
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


def everyone(expected: str) -> dict[str, str]:
    return dict.fromkeys(ROLES, expected)


def staff(expected: str = "2xx") -> dict[str, str]:
    return {**everyone(expected), "anonymous": "401"}


def ticket_scope(inside: str = "2xx") -> dict[str, str]:
    """People at the platform and the community holding the ticket see it; unit Y gets 404."""
    return {**staff(inside), "handler_y": "404"}


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
    # State changes for good: last. The community's handler signs its assignment (after everyone
    # else was refused), then everyone logs out.
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


def build_world(db: Database) -> World:
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
    return World(t, result.number, open311.number, article_id, community)


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

    world = build_world(web_db)
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
