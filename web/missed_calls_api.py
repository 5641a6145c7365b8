"""`/api/missed-calls`: the missed-call callback list on the agent's desk, and recording a callback.

Agents (and leaders on a live-answer day) take calls and so see callers' full numbers; they dial the
number from their phone and record how it went here.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from ticketing.errors import InvalidInput
from ticketing.missed_calls import OUTCOMES, MissedCaller, missed_callers, record_callback
from web.agent_api import require_phone_role
from web.auth import operator_of
from web.keys import DB_KEY
from web.request_parsing import json_object, path_int
from web.serialize import iso


def _caller_json(entry: MissedCaller) -> dict[str, Any]:
    return {
        "call_record_id": entry.call_record_id,
        "caller": entry.caller,
        "attempts": entry.attempts,
        "first_at": iso(entry.first_at),
        "last_at": iso(entry.last_at),
        "longest_wait_seconds": entry.longest_wait_seconds,
    }


async def list_missed(request: web.Request) -> web.Response:
    require_phone_role(operator_of(request))
    db = request.app[DB_KEY]

    def load() -> dict[str, Any]:
        with db.read_session() as s:
            items = [_caller_json(c) for c in missed_callers(s)]
        return {"items": items, "outcomes": OUTCOMES}

    return web.json_response(await asyncio.to_thread(load))


async def post_callback(request: web.Request) -> web.Response:
    operator = operator_of(request)
    require_phone_role(operator)
    call_record_id = path_int(request, "call_record_id", "没有这条未接来电", "missed_call_not_found")
    body = await json_object(request)
    outcome = body.get("outcome") if isinstance(body.get("outcome"), str) else ""  # "" names the choices
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        raise InvalidInput("备注须为文字", code="invalid_note", field="note")
    db = request.app[DB_KEY]

    def write() -> dict[str, Any]:
        with db.session() as s:
            covered = record_callback(
                s,
                call_record_id,
                user_id=operator.user_id,
                outcome=outcome,
                note=(note or "").strip() or None,
            )
        return {"call_record_id": call_record_id, "outcome": outcome, "calls_covered": covered}

    return web.json_response(await asyncio.to_thread(write))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/missed-calls", list_missed)
    app.router.add_post(r"/api/missed-calls/{call_record_id}", post_callback)
