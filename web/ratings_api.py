"""`/api/ratings/...`: 好差评 for staff.

- the 差评 list of the caller's unit (and the units below it): what was rated and why, the ticket to
  rectify and its deadline, the appeal — never who rated (no phone; only the platform sees it, masked
  as everywhere outside the agent console);
- statistics per hall, window, staff member or unit (platform staff);
- issuing a QR code: 一事一评 for a closed ticket the caller can see, 一次一评 for a window of the
  caller's unit.
Appeals and their decision are ticket actions (`appeal_rating`, `decide_appeal`).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.bad_ratings import rectification_assignment
from dispatch.operators import Forbidden, Operator
from dispatch.rating_stats import rating_stats
from dispatch.ratings import issue_ticket_qr
from dispatch.visibility import can_see, subtree
from ticketing.errors import InvalidInput, NotFound
from ticketing.models import Evaluation, ServiceHall, ServiceWindow, Ticket
from ticketing.rating_tokens import issue_visit_token
from ticketing.vocabulary import Role, TicketStatus
from web.admin_body import Body
from web.auth import operator_of
from web.keys import DB_KEY
from web.masking import phone_for
from web.rating_pages import page_url
from web.request_parsing import query_int
from web.serialize import iso

MAX_ITEMS = 200


def _bad_json(session: Session, e: Evaluation, operator: Operator) -> dict[str, Any]:
    ticket = session.get_one(Ticket, e.bad_ticket_id)
    lead = rectification_assignment(session, ticket.id)
    hall = session.get(ServiceHall, e.hall_id) if e.hall_id else None
    window = session.get(ServiceWindow, e.window_id) if e.window_id else None
    return {
        "evaluation_id": e.id,
        "ticket_id": ticket.id,
        "ticket_number": ticket.number,
        "ticket_status": ticket.status,
        "ticket_status_label": TicketStatus(ticket.status).label,
        "level": e.level,
        "reasons": e.reasons,
        "service_item": e.service_item,
        "comment": e.comment,
        "hall": hall.name if hall else None,
        "window": window.name if window else None,
        "unit_id": e.unit_id,
        "rated_at": iso(e.rated_at),
        "reply_due_at": iso(lead.reply_due_at) if lead else None,
        "reply_text": lead.reply_text if lead else None,
        "appeal_status": e.appeal_status,
        "excluded": e.excluded,
        **({"rater_phone": phone_for(operator, e.rater_phone)} if operator.at_platform else {}),
    }


async def bad_ratings(request: web.Request) -> web.Response:
    operator = operator_of(request)
    limit = query_int(request, "limit", 50, 1, MAX_ITEMS)
    db = request.app[DB_KEY]

    def load() -> dict[str, Any]:
        with db.read_session() as session:
            query = select(Evaluation).where(Evaluation.bad_ticket_id.is_not(None))
            if not operator.at_platform:
                query = query.where(Evaluation.unit_id.in_(subtree(session, operator.unit_id)))
            rows = session.execute(query.order_by(Evaluation.id.desc()).limit(limit)).scalars()
            return {"items": [_bad_json(session, e, operator) for e in rows]}

    return web.json_response(await asyncio.to_thread(load))


def _moment(request: web.Request, name: str) -> datetime | None:
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise InvalidInput(f"{name} 须为带时区的 ISO 8601 时间", code="invalid_time", field=name)
    return moment


async def stats(request: web.Request) -> web.Response:
    operator = operator_of(request)
    if not operator.at_platform:
        raise Forbidden("好差评统计仅限市级平台查看", code="platform_only")
    by = request.query.get("by", "window")
    since, until = _moment(request, "since"), _moment(request, "until")
    db = request.app[DB_KEY]

    def load() -> dict[str, Any]:
        with db.read_session() as session:
            rows = rating_stats(session, by, since=since, until=until)
            return {"by": by, "items": [row.as_dict() for row in rows]}

    return web.json_response(await asyncio.to_thread(load))


def _issue(session: Session, operator: Operator, body: Body) -> tuple[Any, str]:
    ticket_id, window_id = body.integer("ticket_id"), body.integer("window_id")
    if (ticket_id is None) == (window_id is None):
        raise InvalidInput("须且只能提供 ticket_id 或 window_id 之一", code="qr_subject_required")
    if ticket_id is not None:
        if not can_see(session, operator, ticket_id):
            raise NotFound("工单不存在", code="ticket_not_found")
        return issue_ticket_qr(session, ticket_id)
    window = session.get(ServiceWindow, window_id)
    if window is None:
        raise NotFound(f"窗口不存在：{window_id}", code="window_not_found")
    if operator.role != Role.ADMIN.value and window.unit_id != operator.unit_id:
        raise Forbidden("只能为本单位的窗口生成评价码", code="not_your_unit")
    return issue_visit_token(session, window.id, body.integer("staff_user_id"))


async def issue_qr(request: web.Request) -> web.Response:
    operator = operator_of(request)
    if operator.role == Role.ANALYST.value:
        raise Forbidden("分析员不能生成评价码")
    body = await Body.read(request, ("ticket_id", "window_id", "staff_user_id"))
    db = request.app[DB_KEY]

    def run() -> dict[str, Any]:
        with db.session() as session:
            row, token = _issue(session, operator, body)
            return {"kind": row.kind, "token": token, "expires_at": iso(row.expires_at)}

    answer = await asyncio.to_thread(run)
    url = page_url(request, answer["token"])
    return web.json_response(
        {**answer, "url": url, "svg": f"{url}/qr.svg", "png": f"{url}/qr.png"}, status=201
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/ratings/bad", bad_ratings)
    app.router.add_get("/api/ratings/stats", stats)
    app.router.add_post("/api/ratings/qr", issue_qr)
