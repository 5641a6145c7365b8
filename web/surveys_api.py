"""回访 for people: agents list the surveys to call back by hand (unreachable, not understood, due)
and enter the answers; they record a citizen's wish not to be called; the city platform reads the
review queue (its decision is the ticket action "survey_review")."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from dispatch.context import Context, dispatch_context
from dispatch.operators import Operator, require_platform
from dispatch.survey_models import SurveyTask
from dispatch.surveys import SATISFACTION, agent_worklist, enter_answers, record_opt_out, review_queue
from ticketing.errors import InvalidInput
from ticketing.models import Ticket
from ticketing.phones import normalise_phone
from web.agent_api import require_phone_role
from web.auth import operator_of
from web.keys import DB_KEY
from web.masking import phone_for
from web.request_parsing import json_object, path_int

STATE_LABELS = {
    "scheduled": "待回访",
    "calling": "外呼中",
    "answered": "已回访",
    "review": "待复核",
    "reopened": "已重办",
    "review_closed": "复核不重办",
    "unreachable": "未接通",
    "manual": "需人工回访",
    "opted_out": "不接受回访",
    "cancelled": "已取消（工单重新办理）",
}
SATISFACTION_LABELS = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}


def task_json(session: Session, task: SurveyTask, operator: Operator) -> dict[str, Any]:
    ticket = session.get_one(Ticket, task.ticket_id)
    return {
        "id": task.id,
        "ticket_id": task.ticket_id,
        "ticket_number": ticket.number,
        "ticket_title": ticket.title,
        "source_ticket_id": task.source_ticket_id,
        "phone": phone_for(operator, task.phone_e164),
        "state": task.state,
        "state_label": STATE_LABELS.get(task.state, task.state),
        "attempts": task.attempts,
        "due_at": task.due_at.isoformat() if task.due_at else None,
        "last_outcome": task.last_outcome,
        "resolved": task.resolved,
        "satisfaction": task.satisfaction,
        "satisfaction_label": SATISFACTION_LABELS.get(task.satisfaction or ""),
    }


def _task_list(
    allowed: Callable[[Operator], None], rows: Callable[[Context], list[SurveyTask]]
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        operator = operator_of(request)
        allowed(operator)
        db = request.app[DB_KEY]

        def load() -> list[dict[str, Any]]:
            with dispatch_context(db) as ctx:
                return [task_json(ctx.session, t, operator) for t in rows(ctx)]

        return web.json_response({"items": await asyncio.to_thread(load)})

    return handler


# Agents' manual call-back list (failed surveys first, then the due ones); the platform's review queue.
callbacks = _task_list(require_phone_role, agent_worklist)
review = _task_list(require_platform, review_queue)


async def answers(request: web.Request) -> web.Response:
    operator = operator_of(request)
    require_phone_role(operator)
    task_id = path_int(request, "task_id", "回访任务不存在", "survey_not_found")
    body = await json_object(request)
    resolved, satisfaction = body.get("resolved"), body.get("satisfaction")
    if not isinstance(resolved, bool) or satisfaction not in SATISFACTION:
        raise InvalidInput(
            "须填写 resolved（是否解决：true/false）与 satisfaction"
            "（satisfied 满意、basically_satisfied 基本满意或 unsatisfied 不满意）",
            code="invalid_survey_answers",
        )
    db = request.app[DB_KEY]

    def run() -> dict[str, Any]:
        with dispatch_context(db) as ctx:
            task = enter_answers(
                ctx, task_id, operator.actor, resolved=resolved, satisfaction=str(satisfaction)
            )
            return task_json(ctx.session, task, operator)

    return web.json_response(await asyncio.to_thread(run))


async def opt_out(request: web.Request) -> web.Response:
    operator = operator_of(request)
    require_phone_role(operator)
    body = await json_object(request)
    wanted = body.get("opt_out")
    if not isinstance(wanted, bool):
        raise InvalidInput(
            "须填写 opt_out（true：不接受回访，false：恢复回访）", code="invalid_fields", field="opt_out"
        )
    phone = normalise_phone(str(body.get("phone", "")))
    db = request.app[DB_KEY]

    def run() -> dict[str, Any]:
        with dispatch_context(db) as ctx:
            citizen = record_opt_out(ctx, phone, wanted)
            return {"phone": citizen.phone_e164, "opt_out": citizen.callback_opt_out}

    return web.json_response(await asyncio.to_thread(run))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/surveys/callbacks", callbacks)
    app.router.add_get("/api/surveys/review", review)
    app.router.add_post(r"/api/surveys/{task_id}/answers", answers)
    app.router.add_put("/api/citizens/callback-opt-out", opt_out)
