"""`/api/leader-sessions`: the leader console's data — a session with its tickets and calls — and the
ticket an agent (or the leader) records for a call of the session.

Leaders see their own sessions; agents (who record the tickets), supervisors and admins see all.
The calls come from the call-event stream (entry ids are times, so one range read covers a session);
live updates then arrive over /ws like every other call event.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from dispatch.leader_sessions import get_session, list_sessions, session_json
from dispatch.leader_tickets import SESSION_KEY, register, session_tickets
from dispatch.operators import Forbidden, Operator
from ticketing.call_bus import CALL_EVENTS_STREAM, COMMANDS_STREAM, STREAM_MAXLEN, command_fields
from ticketing.errors import IllegalTransition, InvalidInput, NotFound
from ticketing.models import LeaderSession
from ticketing.models.leader_sessions import CANCELLED
from ticketing.vocabulary import Role
from web.auth import operator_of
from web.keys import DB_KEY, REDIS_KEY
from web.masking import masked_payload, phone_for
from web.request_parsing import json_object, path_int
from web.serialize import iso, ticket_summary
from web.tickets_api import submission_from

VIEWING_ROLES = frozenset({Role.LEADER.value, Role.AGENT.value, Role.SUPERVISOR.value, Role.ADMIN.value})
MAX_CALL_EVENTS = 5000
AFTER_SESSION_MS = 3600 * 1000  # calls still running when the window closes
CALL_ID = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")  # the flow's call keys: "<port>-c<n>-<ms>"


def _viewer(request: web.Request) -> Operator:
    operator = operator_of(request)
    if operator.role not in VIEWING_ROLES:
        raise Forbidden("只有领导、话务员、督办员和管理员可以查看领导接听日", code="forbidden")
    return operator


def _visible_session(session: Session, operator: Operator, session_id: int) -> LeaderSession:
    row = get_session(session, session_id)
    if operator.role == Role.LEADER.value and row.leader_user_id != operator.user_id:
        raise NotFound(f"接听安排不存在：{session_id}", code="unknown_leader_session")
    return row


def _session_id(request: web.Request) -> int:
    return path_int(request, "session_id", "接听安排不存在", "unknown_leader_session")


async def _db(request: web.Request, fn: Any, *args: Any) -> Any:
    def run() -> Any:
        with request.app[DB_KEY].read_session() as session:
            return fn(session, *args)

    return await asyncio.to_thread(run)


def sessions_for(session: Session, operator: Operator) -> list[dict[str, Any]]:
    own = operator.user_id if operator.role == Role.LEADER.value else None
    return [session_json(session, row) for row in list_sessions(session, own)]


async def list_route(request: web.Request) -> web.Response:
    return web.json_response({"items": await _db(request, sessions_for, _viewer(request))})


def _session_data(session: Session, operator: Operator, session_id: int) -> dict[str, Any]:
    row = _visible_session(session, operator, session_id)
    tickets = []
    for item in session_tickets(session, session_id):
        body = ticket_summary(item.ticket, operator)
        body["contact_phone"] = phone_for(operator, item.ticket.contact_phone)
        body["reply_due_at"] = iso(item.reply_due_at)
        body["sip_call_id"] = item.sip_call_id
        tickets.append(body)
    return {"session": session_json(session, row), "tickets": tickets}


async def _call_events(request: web.Request, operator: Operator, data: dict[str, Any]) -> list[dict]:
    """The session's call events, as /ws would have shown them to this user."""
    start = int(datetime.fromisoformat(data["session"]["starts_at"]).timestamp() * 1000)
    end = int(datetime.fromisoformat(data["session"]["ends_at"]).timestamp() * 1000) + AFTER_SESSION_MS
    entries = await request.app[REDIS_KEY].xrange(
        CALL_EVENTS_STREAM, min=f"{start}-0", max=f"{end}-0", count=MAX_CALL_EVENTS
    )
    events = []
    for stream_id, fields in entries:
        event = json.loads(fields[b"event"])
        if (event.get("details") or {}).get(SESSION_KEY) == data["session"]["id"]:
            events.append({"stream_id": stream_id.decode(), "event": masked_payload(event, operator)})
    return events


async def get_route(request: web.Request) -> web.Response:
    operator, session_id = _viewer(request), _session_id(request)
    data = await _db(request, _session_data, operator, session_id)
    data["calls"] = await _call_events(request, operator, data)
    return web.json_response(data)


async def post_ticket_route(request: web.Request) -> web.Response:
    operator, session_id = _viewer(request), _session_id(request)
    body = await json_object(request)
    sip_call_id = body.get("sip_call_id")
    if sip_call_id is not None and (not isinstance(sip_call_id, str) or len(sip_call_id) > 255):
        raise InvalidInput("sip_call_id 须为不超过 255 字的文本", code="invalid_fields", field="sip_call_id")
    submission = submission_from(body, frozenset({"sip_call_id"}))
    await _db(request, _visible_session, operator, session_id)
    done = await asyncio.to_thread(
        register, request.app[DB_KEY], operator, session_id, submission, sip_call_id=sip_call_id
    )
    answer = {
        "id": done.intake.ticket_id,
        "number": done.intake.number,
        "created": done.intake.created,
        "leader_session_id": session_id,
        "unit_id": done.unit_id,
        "reply_due_at": iso(done.reply_due_at),
    }
    return web.json_response(answer, status=201 if done.intake.created else 200)


async def handoff_route(request: web.Request) -> web.Response:
    """A screening agent hands the caller to the leader: the telephony worker holding the call dials
    the leader into it (three-way), if the call belongs to this session."""
    operator, session_id = operator_of(request), _session_id(request)
    if operator.role != Role.AGENT.value:
        raise Forbidden("只有话务员可以转接领导", code="forbidden")
    call_id = request.match_info["call_id"]
    if not CALL_ID.fullmatch(call_id):
        raise InvalidInput("通话编号格式错误", code="invalid_call_id", field="call_id")
    row = await _db(request, _visible_session, operator, session_id)
    if row.status == CANCELLED:
        raise IllegalTransition("该接听安排已取消", code="session_cancelled")
    fields = command_fields("leader_handoff", call_id=call_id, **{SESSION_KEY: session_id})
    await request.app[REDIS_KEY].xadd(COMMANDS_STREAM, fields, maxlen=STREAM_MAXLEN, approximate=True)
    return web.json_response({"call_id": call_id, "leader_session_id": session_id}, status=202)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/leader-sessions", list_route)
    app.router.add_get(r"/api/leader-sessions/{session_id}", get_route)
    app.router.add_post(r"/api/leader-sessions/{session_id}/tickets", post_ticket_route)
    app.router.add_post(r"/api/leader-sessions/{session_id}/calls/{call_id}/handoff", handoff_route)
