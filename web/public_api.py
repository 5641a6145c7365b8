"""`/api/public/`: the public pages' JSON twins, for apps and integrators. No login.

A new request needs a form token first (`GET /api/public/form-token`, which also sets the
`hotline_form` cookie the token is bound to); the token doubles as the idempotency key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiohttp import web
from redis.exceptions import RedisError

from ticketing.errors import InvalidInput, NotFound
from web import form_tokens
from web.keys import DATA_DIR_KEY, DB_KEY, REDIS_KEY
from web.public_submit import FIELDS, Photo, parse_request, read_photo, submit_public
from web.public_view import MAX_PAGE, MAX_PER_PAGE, ListQuery, check_lookup, districts, lookup, public_list
from web.rate_limit import RATE_LIMITER_KEY, RATE_LIMITS_KEY, RateLimited
from web.request_parsing import json_object

log = logging.getLogger(__name__)
NOT_FOUND = "未找到匹配的工单，请核对工单编号和联系电话后四位"
FAILED_LOOKUPS = "lookup_failures"


def _json(body: object, status: int = 200) -> web.Response:
    response = web.json_response(body, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _body(request: web.Request) -> tuple[dict[str, Any], Photo | None]:
    if request.content_type == "multipart/form-data":
        form = await request.post()
        photo = await read_photo(form.get("photo"))
        return {k: v for k, v in form.items() if isinstance(v, str)}, photo
    return await json_object(request), None


async def form_token(request: web.Request) -> web.Response:
    nonce = form_tokens.cookie_nonce(request)
    token = await form_tokens.issue(request.app[REDIS_KEY], nonce)
    response = _json({"form_token": token, "expires_in": form_tokens.TOKEN_TTL_S})
    form_tokens.set_cookie(request, response, nonce)
    return response


async def create_request(request: web.Request) -> web.Response:
    fields, photo = await _body(request)
    unknown = sorted(set(fields) - set(FIELDS) - {form_tokens.FIELD})
    if unknown:
        raise InvalidInput(f"未知字段：{', '.join(unknown)}", code="unknown_fields", fields=unknown)
    key = await form_tokens.verify(request.app[REDIS_KEY], request, str(fields.get(form_tokens.FIELD) or ""))
    req = parse_request(fields, photo)
    result = await asyncio.to_thread(submit_public, request.app[DB_KEY], request.app[DATA_DIR_KEY], req, key)
    body = {"number": result.number, "status": result.status, "created": result.created}
    return _json(body, status=201 if result.created else 200)


async def find_progress(request: web.Request, number: str, last4: str) -> dict[str, Any] | None:
    """The look-up, with the per-ticket budget of failed tries (RateLimited once it is spent). Every
    number has a budget, existing or not, so a 429 tells nothing about which tickets exist."""
    limiter, budget = request.app[RATE_LIMITER_KEY], request.app[RATE_LIMITS_KEY].lookup_failures
    try:
        blocked = await limiter.used_up(FAILED_LOOKUPS, number, budget)
    except RedisError as error:
        log.warning("look-up budget not checked (redis unavailable): %s", error)
        blocked = None
    if blocked is not None:
        raise RateLimited(blocked)
    db = request.app[DB_KEY]

    def load() -> dict[str, Any] | None:
        with db.read_session() as session:
            return lookup(session, number, last4)

    found = await asyncio.to_thread(load)
    if found is None:
        with contextlib.suppress(RedisError):
            await limiter.count(FAILED_LOOKUPS, number, budget)
    return found


async def lookup_request(request: web.Request) -> web.Response:
    fields, _ = await _body(request)
    number, last4 = check_lookup(str(fields.get("number") or ""), str(fields.get("phone_last4") or ""))
    found = await find_progress(request, number, last4)
    if found is None:
        raise NotFound(NOT_FOUND, code="ticket_not_found")
    return _json(found)


def _int(request: web.Request, name: str, default: int, hi: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= hi:
        raise InvalidInput(f"参数 {name} 须为 1 到 {hi} 之间的整数", code="invalid_parameter", parameter=name)
    return int(raw)


def list_query(request: web.Request) -> ListQuery:
    status = request.query.get("status") or None
    if status not in (None, "open", "closed"):
        raise InvalidInput("参数 status 须为 open 或 closed", code="invalid_parameter", parameter="status")
    return ListQuery(
        page=_int(request, "page", 1, MAX_PAGE),
        per_page=_int(request, "per_page", 20, MAX_PER_PAGE),
        status=status,
        district=(request.query.get("district") or "").strip()[:32] or None,
    )


async def list_tickets(request: web.Request) -> web.Response:
    query = list_query(request)
    db = request.app[DB_KEY]

    def load() -> dict[str, Any]:
        with db.read_session() as session:
            return public_list(session, query)

    return _json(await asyncio.to_thread(load))


async def list_districts(request: web.Request) -> web.Response:
    db = request.app[DB_KEY]

    def load() -> list[dict[str, str]]:
        with db.read_session() as session:
            return districts(session)

    return _json({"items": await asyncio.to_thread(load)})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/public/form-token", form_token)
    app.router.add_post("/api/public/requests", create_request)
    app.router.add_post("/api/public/lookup", lookup_request)
    app.router.add_get("/api/public/tickets", list_tickets)
    app.router.add_get("/api/public/districts", list_districts)
