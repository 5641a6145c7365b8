"""The OpenAPI description of the leader live-answer day routes (领导在线接听日)."""

from __future__ import annotations

from typing import Any

from web.openapi import _body, _error, _json
from web.openapi_admin import BOOL, ERRORS, TEXT, _list, _obj, _path, _write

CLOCK = {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "example": "09:00"}
PLAN = {
    "leader": {"type": "string", "maxLength": 64, "description": "领导的用户名（角色须为领导）"},
    "unit_code": {"type": "string", "maxLength": 32, "description": "工单当天派往的单位编码"},
    "date": {"type": "string", "format": "date", "description": "接听日期（北京时间）"},
    "start": CLOCK,
    "end": CLOCK,
    "topic": {"type": "string", "maxLength": 200},
    "public": BOOL,
    "screened": {"type": "boolean", "description": "true：话务员先接听，再从座席台转接领导"},
    "sip_uri": {"type": "string", "maxLength": 255, "description": "不填则用领导账号的 SIP 地址"},
}
SESSION_ID = _path("session_id")


def leader_paths() -> dict[str, Any]:
    ticket_body = {
        "type": "object",
        "required": ["content"],
        "properties": {
            "content": {"type": "string", "minLength": 1},
            "title": TEXT,
            "ticket_type": TEXT,
            "contact_phone": TEXT,
            "contact_name": TEXT,
            "address": TEXT,
            "confidential": BOOL,
            "idempotency_key": TEXT,
            "sip_call_id": {"type": "string", "maxLength": 255, "description": "来电的 SIP Call-ID"},
        },
        "additionalProperties": False,
    }
    return {
        "/api/admin/leader-sessions": {
            "get": _list("领导接听日安排（含已取消）"),
            "post": _write(
                "安排领导接听（同一天内的时段；同一领导时段不得重叠）",
                _obj(PLAN, ("leader", "unit_code", "date", "start", "end", "topic")),
                created=True,
            ),
        },
        "/api/admin/leader-sessions/{session_id}": {
            "patch": _write(
                "修改或取消（status=cancelled）接听安排",
                _obj({**PLAN, "status": {"type": "string", "enum": ["cancelled"]}, "note": TEXT}),
                [SESSION_ID],
            )
        },
        "/api/leader-sessions": {
            "get": {
                "summary": "接听场次（领导只看本人的）",
                "responses": {"200": _json({"type": "object"}), "401": _error(), "403": _error()},
            }
        },
        "/api/leader-sessions/{session_id}": {
            "get": {
                "summary": "领导接听台：场次、工单及办理进度、来电事件",
                "parameters": [SESSION_ID],
                "responses": {
                    "200": _json({"type": "object"}),
                    "401": _error(),
                    "403": _error(),
                    "404": _error(),
                },
            }
        },
        "/api/leader-sessions/{session_id}/calls/{call_id}/handoff": {
            "post": {
                "summary": "话务员把本场次的来电转接领导（领导加入三方通话，话务员继续记录）",
                "parameters": [
                    SESSION_ID,
                    _path("call_id", {"type": "string", "pattern": "^[A-Za-z0-9_.-]{1,100}$"}),
                ],
                "responses": {"202": _json({"type": "object"}, "已通知话务服务转接"), **ERRORS},
            }
        },
        "/api/leader-sessions/{session_id}/tickets": {
            "post": {
                "summary": "登记接听日工单：按 leader_line 渠道受理，标记场次，当天派往场次单位，当天调查",
                "parameters": [SESSION_ID],
                "requestBody": _body(ticket_body),
                "responses": {
                    "201": _json({"type": "object"}, "已登记并派单"),
                    "200": _json({"type": "object"}, "同一幂等键：返回已登记的工单"),
                    **ERRORS,
                },
            }
        },
    }
