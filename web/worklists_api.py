"""`/api/worklist/*`, `/api/units/children` and `/api/supervision/*`: the consoles' lists as JSON, and
the supervisor's 督办/催办."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from dispatch.context import dispatch_context
from dispatch.manual_supervision import supervise_by_hand
from dispatch.operators import Operator
from dispatch.visibility import can_see
from ticketing.errors import NotFound
from web import worklists
from web.auth import operator_of
from web.keys import DB_KEY
from web.request_parsing import json_object, ticket_id_of
from web.tickets_api import get_ticket

Query = Callable[[Session, Operator], list[dict[str, Any]]]


def _list_handler(query: Query) -> Callable[[web.Request], Any]:
    async def handler(request: web.Request) -> web.Response:
        operator = operator_of(request)
        db = request.app[DB_KEY]

        def run() -> list[dict[str, Any]]:
            with db.read_session() as s:
                return query(s, operator)

        return web.json_response({"items": await asyncio.to_thread(run)})

    return handler


async def supervise(request: web.Request) -> web.Response:
    operator, ticket_id = operator_of(request), ticket_id_of(request)
    body = await json_object(request)
    db = request.app[DB_KEY]

    def run() -> None:
        with dispatch_context(db) as ctx:
            if not can_see(ctx.session, operator, ticket_id):
                raise NotFound("工单不存在", code="ticket_not_found")
            supervise_by_hand(ctx, operator, ticket_id, str(body.get("kind", "")), str(body.get("note", "")))

    await asyncio.to_thread(run)
    return await get_ticket(request)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/worklist/queue", _list_handler(worklists.dispatch_queue))
    app.router.add_get("/api/worklist/inbox", _list_handler(worklists.inbox))
    app.router.add_get("/api/units/children", _list_handler(worklists.child_units))
    app.router.add_get("/api/supervision/board", _list_handler(worklists.supervision_board))
    app.router.add_post(r"/api/tickets/{ticket_id}/supervision", supervise)
