"""The agent console's own calls: presence (ready / not ready / after-call work) for the ACD, the
caller's history behind a phone number (the screen pop), and an intake preview with suggestions and
likely duplicates before the ticket is registered."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import redis
from aiohttp import web
from sqlalchemy import select

from dispatch.operators import Forbidden, Operator
from dispatch.suggestions import suggest
from dispatch.visibility import can_see
from ticketing.call_bus import AgentState, agent_state, set_agent_state
from ticketing.call_links import link_call
from ticketing.duplicates import find_likely_duplicates
from ticketing.errors import Conflict, InvalidInput, NotFound
from ticketing.models import Citizen, OrgUnit, Ticket, User, utcnow
from ticketing.phone_accounts import has_phone
from ticketing.phones import normalise_phone
from ticketing.ticket_actions import load_for_update
from web.auth import operator_of
from web.keys import DB_KEY, REDIS_URL_KEY
from web.request_parsing import json_object, ticket_id_of
from web.serialize import ticket_summary
from web.suggestions_api import CACHE_KEY
from web.tickets_api import INTAKE_ROLES

# The states a person sets; on_call and offline belong to telephony and to logging out.
SETTABLE_STATES = {
    AgentState.READY.value: AgentState.READY,
    AgentState.NOT_READY.value: AgentState.NOT_READY,
    AgentState.AFTER_CALL_WORK.value: AgentState.AFTER_CALL_WORK,
}
STATE_LABELS = {
    "ready": "示闲",
    "not_ready": "示忙",
    "after_call_work": "话后处理",
    "on_call": "通话中",
    "offline": "离线",
}
PHONE_ROLES = frozenset({"agent", "leader"})  # they take calls, so they see callers' full numbers
HISTORY_LIMIT = 20
MAX_PREVIEW_CHARS = 5000
SYNC_REDIS_KEY: web.AppKey[redis.Redis] = web.AppKey("sync_redis", redis.Redis)


def require_phone_role(operator: Operator) -> None:
    if operator.role not in PHONE_ROLES:
        raise Forbidden("只有话务员可以使用座席功能", code="not_an_agent")


def _username(request: web.Request, operator: Operator) -> str:
    with request.app[DB_KEY].read_session() as s:
        return s.get_one(User, operator.user_id).username


def _phone_of(request: web.Request, operator: Operator) -> tuple[str, str]:
    """(username, configured SIP URI or "" for the phone registered at the edge); an agent with
    neither cannot be rung, so going ready is refused rather than failing at the first call."""
    with request.app[DB_KEY].read_session() as s:
        user = s.get_one(User, operator.user_id)
        if not user.sip_uri and not has_phone(s, user.id):
            raise Conflict(
                "未配置座席电话：请管理员设置您的 SIP 地址或话机账号（hotline phones set）后再示闲",
                code="no_phone",
            )
        return user.username, user.sip_uri or ""


def _state_json(raw: dict[str, str]) -> dict[str, Any]:
    state = raw.get("state", "offline")
    return {"state": state, "label": STATE_LABELS.get(state, state), "since": raw.get("since")}


async def get_state(request: web.Request) -> web.Response:
    operator = operator_of(request)
    require_phone_role(operator)
    client = request.app[SYNC_REDIS_KEY]

    def read() -> dict[str, Any]:
        return _state_json(agent_state(client, _username(request, operator)))

    return web.json_response(await asyncio.to_thread(read))


async def put_state(request: web.Request) -> web.Response:
    operator = operator_of(request)
    require_phone_role(operator)
    body = await json_object(request)
    wanted = SETTABLE_STATES.get(str(body.get("state")))
    if wanted is None:
        raise InvalidInput(
            "座席状态无效：须为 ready（示闲）、not_ready（示忙）或 after_call_work（话后处理）",
            code="invalid_agent_state",
        )
    client = request.app[SYNC_REDIS_KEY]

    def write() -> dict[str, Any]:
        if wanted is AgentState.READY:
            username, sip_uri = _phone_of(request, operator)
            set_agent_state(client, username, wanted, sip_uri=sip_uri)
        else:
            username = _username(request, operator)
            set_agent_state(client, username, wanted)
        return _state_json(agent_state(client, username))

    return web.json_response(await asyncio.to_thread(write))


async def caller_history(request: web.Request) -> web.Response:
    operator = operator_of(request)
    require_phone_role(operator)
    phone = normalise_phone(request.query.get("phone", ""))
    db = request.app[DB_KEY]

    def load() -> dict[str, Any]:
        with db.read_session() as s:
            citizen = s.execute(select(Citizen).where(Citizen.phone_e164 == phone.e164)).scalar_one_or_none()
            tickets: list[dict[str, Any]] = []
            if citizen is not None:
                rows = s.execute(
                    select(Ticket)
                    .where(Ticket.citizen_id == citizen.id)
                    .order_by(Ticket.created_at.desc(), Ticket.id.desc())
                    .limit(HISTORY_LIMIT)
                ).scalars()
                tickets = [ticket_summary(t, operator) for t in rows if can_see(s, operator, t.id)]
            return {
                "phone": phone.e164,
                "region": phone.region,
                "carrier": phone.carrier,
                "is_mobile": phone.is_mobile,
                "known": citizen is not None,
                "name": citizen.name if citizen else None,
                "tickets": tickets,
            }

    return web.json_response(await asyncio.to_thread(load))


def _preview_text(body: dict[str, Any], key: str, limit: int) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidInput(f"字段无效：{key}", code="invalid_fields", field=key)
    return value.strip() or None


async def intake_preview(request: web.Request) -> web.Response:
    """What intake would suggest and flag for this text, without writing anything."""
    operator = operator_of(request)
    if operator.role not in INTAKE_ROLES:
        raise Forbidden("只有话务员、派单员可以登记工单")
    body = await json_object(request)
    content = _preview_text(body, "content", MAX_PREVIEW_CHARS)
    if content is None:
        raise InvalidInput("请先填写诉求内容", code="content_required", field="content")
    raw_phone = _preview_text(body, "contact_phone", 40)
    phone = normalise_phone(raw_phone) if raw_phone else None
    address = _preview_text(body, "address", 300)
    db, cache = request.app[DB_KEY], request.app[CACHE_KEY]

    def run() -> dict[str, Any]:
        classifiers = cache.get()
        with db.read_session() as s:
            # A transient ticket, never added to the session: suggest() reads only its text and places.
            draft = Ticket(content=content, category_code=None, area_unit_id=None, holder_unit_id=None)
            result = suggest(s, draft, classifiers, holder_unit_id=operator.unit_id)
            citizen_id = None
            if phone is not None:
                citizen_id = s.execute(
                    select(Citizen.id).where(Citizen.phone_e164 == phone.e164)
                ).scalar_one_or_none()
            candidates = find_likely_duplicates(
                s, content=content, citizen_id=citizen_id, area_unit_id=None, address=address, now=utcnow()
            )
            duplicates = []
            for c in candidates[:5]:
                if can_see(s, operator, c.ticket_id):
                    ticket = s.get_one(Ticket, c.ticket_id)
                    duplicates.append({**c.__dict__, "title": ticket.title, "status": ticket.status})
            children = select(OrgUnit.code, OrgUnit.id).where(OrgUnit.parent_id == operator.unit_id)
            units = {code: unit_id for code, unit_id in s.execute(children).all()}
        return {
            "type": [x.__dict__ for x in result.ticket_type],
            "category": [x.__dict__ for x in result.category],
            "unit": [{**x.__dict__, "unit_id": units.get(x.value)} for x in result.unit],
            "duplicates": duplicates,
        }

    return web.json_response(await asyncio.to_thread(run))


async def link_call_to_ticket(request: web.Request) -> web.Response:
    """Ties the call on the agent's screen to the ticket registered from it (the CDR and recording)."""
    operator = operator_of(request)
    ticket_id = ticket_id_of(request)
    sip_call_id = (await json_object(request)).get("sip_call_id")
    if not isinstance(sip_call_id, str):
        raise InvalidInput("请提供通话标识", code="invalid_call_id", field="sip_call_id")
    db = request.app[DB_KEY]

    def run() -> dict[str, Any]:
        with db.session() as s:
            if not can_see(s, operator, ticket_id):  # first: a ticket out of scope does not exist
                raise NotFound("工单不存在", code="ticket_not_found")
            if operator.role not in INTAKE_ROLES:
                raise Forbidden("只有话务员、派单员可以关联通话")
            row = link_call(s, load_for_update(s, ticket_id), sip_call_id, operator.actor)
            return {"ticket_id": ticket_id, "call_record_id": row.id, "sip_call_id": sip_call_id}

    return web.json_response(await asyncio.to_thread(run))


def add_routes(app: web.Application) -> None:
    async def sync_redis(app: web.Application) -> AsyncIterator[None]:
        # call_bus is the synchronous contract telephony uses too; its calls run in worker threads.
        app[SYNC_REDIS_KEY] = redis.Redis.from_url(app[REDIS_URL_KEY], socket_timeout=2)
        yield
        app[SYNC_REDIS_KEY].close()

    app.cleanup_ctx.append(sync_redis)
    app.router.add_get("/api/agent/state", get_state)
    app.router.add_put("/api/agent/state", put_state)
    app.router.add_get("/api/callers/history", caller_history)
    app.router.add_post("/api/intake/preview", intake_preview)
    app.router.add_post(r"/api/tickets/{ticket_id}/calls", link_call_to_ticket)
