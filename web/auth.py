"""Login, logout and who is asking: a session cookie for people, CSRF tokens on every state change."""

from __future__ import annotations

import asyncio
import hmac

from aiohttp import web

from dispatch.operators import Operator, operator_for
from ticketing.authentication import authenticate
from ticketing.errors import HotlineError, InvalidInput
from ticketing.models import User, utcnow
from ticketing.passwords import credential_stamp
from ticketing.vocabulary import Role
from web.errors import Handler
from web.keys import DB_KEY
from web.sessions import SessionData, SessionStore

COOKIE = "hotline_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSIONS_KEY: web.AppKey[SessionStore] = web.AppKey("sessions", SessionStore)
OPERATOR: web.RequestKey[Operator] = web.RequestKey("operator", Operator)
SESSION: web.RequestKey[SessionData] = web.RequestKey("session", SessionData)
# Paths that change state without a session of ours: they carry their own credentials or none.
# The public pages and their API carry a signed form token instead (web.form_tokens).
CSRF_EXEMPT_PREFIXES = ("/open311/", "/device/", "/public/", "/api/public/")


class Unauthenticated(HotlineError):
    code = "unauthenticated"
    http_status = 401


class CsrfFailed(HotlineError):
    code = "csrf_failed"
    http_status = 403


def operator_of(request: web.Request) -> Operator:
    operator = request.get(OPERATOR)
    if operator is None:
        raise Unauthenticated("请先登录")
    return operator


async def _csrf_token_sent(request: web.Request) -> str:
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        sent = str((await request.post()).get(CSRF_FIELD, ""))
    return sent


def _needs_csrf(request: web.Request) -> bool:
    """State changes made with our session cookie; logging in, and the channels that bring their own
    credentials (Open311 keys, device tokens) or none (public pages), are exempt."""
    if request.method in SAFE_METHODS or SESSION not in request:
        return False
    if request.method == "POST" and request.path == "/api/session":
        return False
    return not request.path.startswith(CSRF_EXEMPT_PREFIXES)


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    token = request.cookies.get(COOKIE, "")
    session = await request.app[SESSIONS_KEY].get(token) if token else None
    if session is not None:
        db = request.app[DB_KEY]

        def load() -> Operator | None:
            with db.read_session() as s:
                user = s.get(User, session.user_id)
                if user is None or credential_stamp(user.password_hash) != session.stamp:
                    return None  # the password was reset since this session began
                try:
                    return operator_for(s, session.user_id)
                except HotlineError:
                    return None

        operator = await asyncio.to_thread(load)
        if operator is not None:
            request[OPERATOR], request[SESSION] = operator, session
        else:
            await request.app[SESSIONS_KEY].delete(session.token)
    if _needs_csrf(request) and not hmac.compare_digest(
        await _csrf_token_sent(request), request[SESSION].csrf_token
    ):
        raise CsrfFailed("请求校验失败（CSRF），请刷新页面后重试")
    return await handler(request)


def _user_json(operator: Operator, session: SessionData) -> dict:
    return {
        "user": {
            "id": operator.user_id,
            "name": operator.name,
            "role": operator.role,
            "role_label": Role(operator.role).label,
            "unit_id": operator.unit_id,
        },
        "csrf_token": session.csrf_token,
    }


async def login(request: web.Request) -> web.Response:
    try:
        body = await request.json()
        username, password = str(body["username"]), str(body["password"])
    except (ValueError, KeyError, TypeError):
        raise InvalidInput("请提供用户名和密码", code="credentials_required") from None
    db = request.app[DB_KEY]

    def check() -> User | HotlineError:
        with db.session() as s:
            outcome = authenticate(s, username, password, utcnow())
            return outcome if isinstance(outcome, HotlineError) else s.merge(outcome)

    outcome = await asyncio.to_thread(check)
    if isinstance(outcome, HotlineError):
        raise outcome
    store = request.app[SESSIONS_KEY]
    if SESSION in request:  # a new token at every login: no session fixation
        await store.delete(request[SESSION].token)
    session = await store.create(outcome.id, credential_stamp(outcome.password_hash))
    with db.read_session() as s:
        operator = operator_for(s, outcome.id)
    response = web.json_response(_user_json(operator, session))
    response.set_cookie(COOKIE, session.token, httponly=True, samesite="Lax", path="/", secure=request.secure)
    return response


async def whoami(request: web.Request) -> web.Response:
    return web.json_response(_user_json(operator_of(request), request[SESSION]))


async def logout(request: web.Request) -> web.Response:
    if SESSION in request:
        await request.app[SESSIONS_KEY].delete(request[SESSION].token)
    response = web.json_response({"ok": True})
    response.del_cookie(COOKIE, path="/")
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/session", login)
    app.router.add_get("/api/session", whoami)
    app.router.add_delete("/api/session", logout)
