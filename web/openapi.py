"""`GET /api/openapi.json`: the OpenAPI 3 document of the JSON API, written next to the code it
describes (integrators, and the schema-driven tests, read it)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from web.openapi_dashboard import dashboard_paths
from web.openapi_public import LIMITED, public_paths
from web.openapi_ratings import device_paths, staff_paths
from web.tickets_api import ACTIONS, MAX_PER_PAGE, SUBMISSION_FIELDS


def _error() -> dict[str, Any]:
    return {
        "description": "错误（稳定错误码 + 中文说明）",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _json(schema: dict[str, Any], description: str = "成功") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


STRING_FIELDS = {
    "content",
    "title",
    "ticket_type",
    "grade",
    "category_code",
    "contact_phone",
    "contact_name",
    "transcript",
    "address",
    "area_code",
    "idempotency_key",
}
BOOL_FIELDS = {"anonymous", "confidential", "callback_requested"}


def _submission_schema() -> dict[str, Any]:
    properties: dict[str, Any] = {"channel": {"type": "string", "default": "phone_agent"}}
    for name in SUBMISSION_FIELDS:
        if name in STRING_FIELDS:
            properties[name] = {"type": "string"}
        elif name in BOOL_FIELDS:
            properties[name] = {"type": "boolean"}
        else:
            properties[name] = {"type": "number"}
    properties["content"]["minLength"] = 1
    return {
        "type": "object",
        "required": ["content"],
        "properties": properties,
        "additionalProperties": False,
    }


def document() -> dict[str, Any]:
    from web.openapi_surveys import survey_paths  # it uses this module's helpers

    doc = _core_document()
    doc["paths"].update(_console_paths())
    doc["paths"].update(survey_paths())
    doc["paths"].update(staff_paths())
    doc["paths"].update(device_paths())
    from web.openapi_leader import leader_paths  # it uses this module's helpers

    doc["paths"].update(leader_paths())
    doc["paths"].update(dashboard_paths())
    return doc


def _core_document() -> dict[str, Any]:
    from web.openapi_admin import admin_paths, ticket_filter_parameters  # they use this module's helpers

    ticket_id = {"name": "ticket_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "12345 政务服务便民热线 API", "version": "1.0"},
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "hotline_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
                "device": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "评价器令牌（管理员登记时发放）",
                },
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "details": {"type": "object"},
                            },
                        }
                    },
                },
                "Submission": _submission_schema(),
            },
        },
        "security": [{"session": [], "csrf": []}],
        "paths": {
            "/healthz": {
                "get": {
                    "security": [],
                    "summary": "数据库与 Redis 状态",
                    "responses": {"200": _json({"type": "object"}), "503": _json({"type": "object"})},
                }
            },
            "/api/session": {
                "post": {
                    "security": [],
                    "summary": "登录",
                    "requestBody": _body(
                        {
                            "type": "object",
                            "required": ["username", "password"],
                            "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
                        }
                    ),
                    "responses": {
                        "200": _json({"type": "object"}),
                        "401": _error(),
                        "422": _error(),
                        "423": _error(),
                        "429": LIMITED,
                    },
                },
                "get": {
                    "summary": "当前用户",
                    "responses": {"200": _json({"type": "object"}), "401": _error()},
                },
                "delete": {
                    "summary": "退出登录",
                    "responses": {"200": _json({"type": "object"}), "403": _error()},
                },
            },
            "/api/tickets": {
                "get": {
                    "summary": "工单列表（按权限范围）",
                    "parameters": [
                        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                        {
                            "name": "per_page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                        },
                        *ticket_filter_parameters(),
                    ],
                    "responses": {"200": _json({"type": "object"}), "401": _error(), "422": _error()},
                },
                "post": {
                    "summary": "登记工单（唯一受理入口）",
                    "requestBody": _body({"$ref": "#/components/schemas/Submission"}),
                    "responses": {
                        "201": _json({"type": "object"}, "已受理"),
                        "200": _json({"type": "object"}, "同一幂等键的已有工单"),
                        "401": _error(),
                        "403": _error(),
                        "422": _error(),
                    },
                },
            },
            "/api/tickets/{ticket_id}": {
                "get": {
                    "summary": "工单详情、时间线与派单任务",
                    "parameters": [ticket_id],
                    "responses": {"200": _json({"type": "object"}), "401": _error(), "404": _error()},
                }
            },
            "/api/tickets/{ticket_id}/actions/{action}": {
                "post": {
                    "summary": "工单流转操作",
                    "parameters": [
                        ticket_id,
                        {
                            "name": "action",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "enum": sorted(ACTIONS)},
                        },
                    ],
                    "requestBody": _body({"type": "object"}),
                    "responses": {
                        "200": _json({"type": "object"}),
                        "401": _error(),
                        "403": _error(),
                        "404": _error(),
                        "409": _error(),
                        "422": _error(),
                    },
                }
            },
            "/api/tickets/{ticket_id}/suggestions": {
                "get": {
                    "summary": "建议的诉求类型、分类与承办单位（派单目录规则 + 文本分类模型）",
                    "parameters": [ticket_id],
                    "responses": {"200": _json({"type": "object"}), "401": _error(), "404": _error()},
                }
            },
            "/api/knowledge": {
                "get": {
                    "summary": "知识库检索",
                    "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
                    "responses": {"200": _json({"type": "object"}), "401": _error()},
                }
            },
            "/api/knowledge/{article_id}": {
                "get": {
                    "summary": "办事指南",
                    "parameters": [
                        {"name": "article_id", "in": "path", "required": True, "schema": {"type": "integer"}}
                    ],
                    "responses": {"200": _json({"type": "object"}), "401": _error(), "404": _error()},
                }
            },
            **public_paths(),
            **admin_paths(),
        },
    }


def _console_paths() -> dict[str, Any]:
    """The consoles' own calls (agent desk, worklists, supervision, attachments)."""
    ticket_id = {"name": "ticket_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    ok = {"200": _json({"type": "object"}), "401": _error(), "403": _error()}
    states = ["ready", "not_ready", "after_call_work"]
    return {
        "/api/agent/state": {
            "get": {"summary": "座席状态（话务员）", "responses": ok},
            "put": {
                "summary": "切换座席状态：示闲、示忙、话后处理（示闲须有 SIP 地址或话机账号，否则 409）",
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["state"],
                        "properties": {"state": {"type": "string", "enum": states}},
                    }
                ),
                "responses": {**ok, "409": _error(), "422": _error()},
            },
        },
        "/api/callers/history": {
            "get": {
                "summary": "来电号码的归属地、运营商与历史工单（话务员）",
                "parameters": [
                    {"name": "phone", "in": "query", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {**ok, "422": _error()},
            }
        },
        "/api/intake/preview": {
            "post": {
                "summary": "登记前的智能建议（类型、分类、承办单位）与疑似重复工单，不写入任何数据",
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["content"],
                        "properties": {
                            "content": {"type": "string", "minLength": 1},
                            "contact_phone": {"type": "string"},
                            "address": {"type": "string"},
                        },
                    }
                ),
                "responses": {**ok, "422": _error()},
            }
        },
        "/api/tickets/{ticket_id}/calls": {
            "post": {
                "summary": "把来电（SIP Call-ID）关联到据此登记的工单：通话记录与录音随之挂到工单上",
                "parameters": [ticket_id],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["sip_call_id"],
                        "properties": {"sip_call_id": {"type": "string", "minLength": 1, "maxLength": 255}},
                    }
                ),
                "responses": {**ok, "404": _error(), "409": _error(), "422": _error()},
            }
        },
        "/api/missed-calls": {
            "get": {
                "summary": "未接来电回拨清单：放弃排队、尚未回拨且之后未再接通的来电号码",
                "responses": ok,
            }
        },
        "/api/missed-calls/{call_record_id}": {
            "post": {
                "summary": "记录回拨结果（该号码此前未回拨的未接来电一并记为已回拨）",
                "parameters": [
                    {"name": "call_record_id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["outcome"],
                        "properties": {
                            "outcome": {
                                "type": "string",
                                "enum": ["reached", "no_answer", "busy", "wrong_number"],
                            },
                            "note": {"type": "string", "maxLength": 500},
                        },
                    }
                ),
                "responses": {**ok, "404": _error(), "409": _error(), "422": _error()},
            }
        },
        "/api/worklist/queue": {
            "get": {"summary": "本单位派单队列：待派单、待签收、待审核", "responses": ok}
        },
        "/api/worklist/inbox": {"get": {"summary": "本单位承办收件箱：待签收、办理中", "responses": ok}},
        "/api/units/children": {"get": {"summary": "本单位的下一级单位（可派往的单位）", "responses": ok}},
        "/api/supervision/board": {"get": {"summary": "督办看板：红牌、黄牌、督办单、催办", "responses": ok}},
        "/api/tickets/{ticket_id}/supervision": {
            "post": {
                "summary": "人工催办或督办（督办员、领导）",
                "parameters": [ticket_id],
                "requestBody": _body(
                    {
                        "type": "object",
                        "required": ["kind"],
                        "properties": {
                            "kind": {"type": "string", "enum": ["urge", "supervise"]},
                            "note": {"type": "string", "maxLength": 500},
                        },
                    }
                ),
                "responses": {**ok, "404": _error(), "409": _error(), "422": _error()},
            }
        },
        "/api/tickets/{ticket_id}/attachments": {
            "get": {
                "summary": "工单附件与录音",
                "parameters": [ticket_id],
                "responses": {**ok, "404": _error()},
            },
            "post": {
                "summary": "上传附件（multipart/form-data：file，可选 kind）",
                "parameters": [ticket_id],
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["file"],
                                "properties": {
                                    "file": {"type": "string", "format": "binary"},
                                    "kind": {"type": "string", "enum": ["image", "document", "audio"]},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": _json({"type": "object"}, "已保存"),
                    **ok,
                    "404": _error(),
                    "422": _error(),
                },
            },
        },
        "/api/attachments/{attachment_id}/content": {
            "get": {
                "summary": "附件内容（支持 Range，录音可拖动播放）",
                "parameters": [
                    {"name": "attachment_id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {
                    "200": {"description": "文件内容"},
                    "206": {"description": "部分内容（Range）"},
                    "401": _error(),
                    "404": _error(),
                },
            }
        },
    }


async def openapi_json(request: web.Request) -> web.Response:
    return web.json_response(document())


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/openapi.json", openapi_json)
