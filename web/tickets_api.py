"""`/api/tickets`: scoped lists, the ticket page's data, intake by agents, and every workflow action.

Database work runs in worker threads (`asyncio.to_thread`), never on the event loop. A ticket the
caller may not see answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlalchemy import select

from dispatch.context import Context, dispatch_context
from dispatch.extensions import decide_extension, request_extension
from dispatch.graded_dispatch import arbitrate, close_directly, dispatch_ticket
from dispatch.handling import helper_reply, reply, sign
from dispatch.models import Assignment
from dispatch.operators import Forbidden, Operator
from dispatch.rating_appeals import appeal_rating, decide_appeal
from dispatch.returns import return_assignment
from dispatch.review import review
from dispatch.survey_review import decide
from dispatch.ticket_listing import COUNT_CAP, conditions, count_matches
from dispatch.ticket_listing import page as page_of
from dispatch.visibility import can_see
from dispatch.withdrawal import cancel, merge
from ticketing.errors import InvalidInput, NotFound
from ticketing.intake import submit
from ticketing.models import Ticket
from ticketing.submission import Submission
from ticketing.ticket_actions import events_of
from ticketing.vocabulary import Channel, Role
from web.auth import operator_of
from web.keys import DB_KEY
from web.request_parsing import json_object, query_int, ticket_id_of
from web.serialize import assignment_json, event_json, ticket_detail, ticket_summary
from web.ticket_params import parse_filters

MAX_PER_PAGE = 100
INTAKE_ROLES = frozenset({Role.AGENT.value, Role.DISPATCHER.value, Role.ADMIN.value, Role.LEADER.value})
SUBMISSION_FIELDS = (
    "content",
    "title",
    "ticket_type",
    "grade",
    "category_code",
    "contact_phone",
    "contact_name",
    "anonymous",
    "confidential",
    "callback_requested",
    "transcript",
    "address",
    "area_code",
    "latitude",
    "longitude",
    "idempotency_key",
)


async def list_tickets(request: web.Request) -> web.Response:
    operator = operator_of(request)
    page = query_int(request, "page", 1, 1, 100_000)
    per_page = query_int(request, "per_page", 20, 1, MAX_PER_PAGE)
    filters = parse_filters(request.query)
    db = request.app[DB_KEY]

    def query() -> dict[str, Any]:
        with db.read_session() as s:
            where = conditions(s, operator, filters)
            total = count_matches(s, where, cap=COUNT_CAP)
            rows = s.execute(
                page_of(where, matches_count=total, offset=(page - 1) * per_page, limit=per_page)
            ).scalars()
            items = [ticket_summary(t, operator) for t in rows]
        capped = total > COUNT_CAP
        return {
            "items": items,
            "page": page,
            "per_page": per_page,
            "total": min(total, COUNT_CAP),
            "total_capped": capped,  # "10000+": a common word over a million tickets need not be counted
        }

    return web.json_response(await asyncio.to_thread(query))


async def get_ticket(request: web.Request) -> web.Response:
    operator, ticket_id = operator_of(request), ticket_id_of(request)
    db = request.app[DB_KEY]

    def load() -> dict[str, Any]:
        with db.read_session() as s:
            ticket = s.get(Ticket, ticket_id)
            if ticket is None or not can_see(s, operator, ticket_id):
                raise NotFound("工单不存在", code="ticket_not_found")
            assignments = s.execute(
                select(Assignment).where(Assignment.ticket_id == ticket_id).order_by(Assignment.id)
            ).scalars()
            return {
                "ticket": ticket_detail(ticket, operator),
                "events": [event_json(e, operator) for e in events_of(s, ticket_id)],
                "assignments": [assignment_json(a) for a in assignments],
            }

    return web.json_response(await asyncio.to_thread(load))


def submission_from(body: dict[str, Any], also: frozenset[str] = frozenset()) -> Submission:
    """A Submission from an API body; `also` names fields the caller reads itself."""
    unknown = sorted(set(body) - set(SUBMISSION_FIELDS) - {"channel"} - also)
    if unknown:
        raise InvalidInput(f"未知字段：{', '.join(unknown)}", code="unknown_fields", fields=unknown)
    fields = {k: body[k] for k in SUBMISSION_FIELDS if k in body}
    channel = str(body.get("channel") or Channel.PHONE_AGENT.value)
    try:
        return Submission(channel=channel, **fields)
    except TypeError:
        raise InvalidInput("字段格式错误", code="invalid_fields") from None


async def create_ticket(request: web.Request) -> web.Response:
    operator = operator_of(request)
    if operator.role not in INTAKE_ROLES:
        raise Forbidden("只有话务员、派单员可以登记工单")
    submission = submission_from(await json_object(request))
    db = request.app[DB_KEY]
    result = await asyncio.to_thread(submit, db, submission, actor=operator.actor)
    body = {
        "id": result.ticket_id,
        "number": result.number,
        "status": result.status,
        "created": result.created,
        "duplicates": [d.__dict__ for d in result.duplicates],
    }
    return web.json_response(body, status=201 if result.created else 200)


def _need(body: dict[str, Any], key: str, kind: type) -> Any:
    value = body.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise InvalidInput(f"缺少或无效的字段：{key}", code="invalid_fields", field=key)
    return value


def _survey_decision(body: dict[str, Any]) -> bool:
    decision = body.get("decision")
    if decision not in ("reopen", "close"):
        raise InvalidInput(
            "复核结论须为 reopen（重办）或 close（不重办）", code="invalid_fields", field="decision"
        )
    return decision == "reopen"


# action name -> how to call the workflow with (ctx, operator, ticket_id, body)
ACTIONS: dict[str, Callable[[Context, Operator, int, dict[str, Any]], Any]] = {
    "dispatch": lambda c, o, t, b: dispatch_ticket(
        c,
        o,
        t,
        _need(b, "unit_id", int),
        [int(u) for u in b.get("helper_unit_ids", [])],
        grade=b.get("grade"),
        complex_case=bool(b.get("complex")),
        note=b.get("note"),
    ),
    "sign": lambda c, o, t, b: sign(c, o, _need(b, "assignment_id", int)),
    "return": lambda c, o, t, b: return_assignment(
        c, o, _need(b, "assignment_id", int), _need(b, "reason_code", str), str(b.get("reason", ""))
    ),
    "reply": lambda c, o, t, b: reply(
        c,
        o,
        _need(b, "assignment_id", int),
        _need(b, "text", str),
        resolved=bool(b.get("resolved")),
        attachment_ids=tuple(int(i) for i in b.get("attachment_ids", [])),
    ),
    "helper_reply": lambda c, o, t, b: helper_reply(
        c, o, _need(b, "assignment_id", int), _need(b, "text", str)
    ),
    "review": lambda c, o, t, b: review(
        c, o, t, accept=bool(b.get("accept")), reason=str(b.get("reason", ""))
    ),
    "request_extension": lambda c, o, t, b: request_extension(
        c, o, _need(b, "assignment_id", int), _need(b, "working_days", int), str(b.get("reason", ""))
    ),
    "decide_extension": lambda c, o, t, b: decide_extension(
        c, o, _need(b, "request_id", int), approve=bool(b.get("approve")), note=str(b.get("note", ""))
    ),
    "close_directly": lambda c, o, t, b: close_directly(c, o, t, _need(b, "answer", str)),
    "merge": lambda c, o, t, b: merge(c, o, t, _need(b, "into_ticket_id", int), str(b.get("note", ""))),
    "cancel": lambda c, o, t, b: cancel(c, t, o.actor, _need(b, "reason", str)),
    "appeal_rating": lambda c, o, t, b: appeal_rating(c, o, t, _need(b, "reason", str)),
    "decide_appeal": lambda c, o, t, b: decide_appeal(
        c, o, t, _need(b, "upheld", bool), _need(b, "note", str)
    ),
    "arbitrate": lambda c, o, t, b: arbitrate(c, o, t, _need(b, "unit_id", int), _need(b, "decision", str)),
    # 回访复核: {"decision": "reopen" | "close", "reason", "unit_id"?} (the unit: else the last lead unit)
    "survey_review": lambda c, o, t, b: decide(
        c,
        o,
        t,
        reopen=_survey_decision(b),
        reason=_need(b, "reason", str),
        unit_id=b.get("unit_id") if isinstance(b.get("unit_id"), int) else None,
    ),
}


async def ticket_action(request: web.Request) -> web.Response:
    operator, ticket_id = operator_of(request), ticket_id_of(request)
    action = request.match_info["action"]
    if action not in ACTIONS:
        raise NotFound(f"未知操作：{action}", code="unknown_action")
    body = await json_object(request)
    db = request.app[DB_KEY]

    def run() -> None:
        with dispatch_context(db) as ctx:
            if not can_see(ctx.session, operator, ticket_id):
                raise NotFound("工单不存在", code="ticket_not_found")
            try:
                ACTIONS[action](ctx, operator, ticket_id, body)
            except (TypeError, ValueError):
                raise InvalidInput("字段格式错误", code="invalid_fields") from None

    await asyncio.to_thread(run)
    return await get_ticket(request)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/tickets", list_tickets)
    app.router.add_post("/api/tickets", create_ticket)
    app.router.add_get(r"/api/tickets/{ticket_id}", get_ticket)
    app.router.add_post(r"/api/tickets/{ticket_id}/actions/{action}", ticket_action)
