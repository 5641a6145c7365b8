"""The OpenAPI paths of `/api/public/` (no login; rate-limited per client address)."""

from __future__ import annotations

from typing import Any

from ticketing.submission import MAX_ADDRESS_CHARS, MAX_CONTENT_CHARS, MAX_NAME_CHARS
from ticketing.vocabulary import TicketType
from web.public_view import MAX_PAGE, MAX_PER_PAGE

ERROR = {"$ref": "#/components/schemas/Error"}


def json_response(schema: dict[str, Any], description: str = "成功") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error_response(description: str) -> dict[str, Any]:
    return json_response(ERROR, description)


LIMITED = {
    "description": "请求过于频繁（响应头 Retry-After 给出秒数）",
    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    "content": {"application/json": {"schema": ERROR}},
}
NULLABLE_STRING = {"type": "string", "nullable": True}
CARD = {
    "type": "object",
    "description": "公开办件：不含姓名、电话、地址和诉求原文",
    "properties": {
        "number": {"type": "string"},
        "type_label": {"type": "string"},
        "category": NULLABLE_STRING,
        "district": NULLABLE_STRING,
        "status": {"type": "string", "enum": ["open", "closed"]},
        "status_label": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "closed_at": {"type": "string", "format": "date-time", "nullable": True},
        "reply": {**NULLABLE_STRING, "description": "已办结诉求公开的答复（已去除号码、门牌号）"},
        "timeline": {
            "type": "array",
            "description": "公开的办理过程",
            "items": {
                "type": "object",
                "properties": {"label": {"type": "string"}, "at": {"type": "string", "format": "date-time"}},
            },
        },
    },
}
MONTH = {
    "name": "month",
    "in": "query",
    "description": "月份 YYYY-MM（北京时间），缺省为本月",
    "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
}
REQUEST = {
    "type": "object",
    "required": ["form_token", "contact_phone", "content"],
    "properties": {
        "form_token": {"type": "string", "description": "GET /api/public/form-token 取得，同时是幂等键"},
        "contact_phone": {"type": "string", "minLength": 1, "maxLength": 40},
        "content": {"type": "string", "minLength": 1, "maxLength": MAX_CONTENT_CHARS},
        "contact_name": {"type": "string", "maxLength": MAX_NAME_CHARS},
        "ticket_type": {"type": "string", "enum": [t.value for t in TicketType]},
        "address": {"type": "string", "maxLength": MAX_ADDRESS_CHARS},
        "latitude": {"type": "number", "minimum": -90, "maximum": 90},
        "longitude": {"type": "number", "minimum": -180, "maximum": 180},
    },
    "additionalProperties": False,
}
MULTIPART = {
    **REQUEST,
    "properties": {**REQUEST["properties"], "photo": {"type": "string", "format": "binary"}},
}


def public_paths() -> dict[str, Any]:
    return {
        "/api/public/form-token": {
            "get": {
                "security": [],
                "summary": "取得提交诉求用的表单令牌（并设置绑定的 hotline_form Cookie）",
                "responses": {
                    "200": json_response(
                        {
                            "type": "object",
                            "properties": {
                                "form_token": {"type": "string"},
                                "expires_in": {"type": "integer"},
                            },
                        }
                    ),
                    "429": LIMITED,
                },
            }
        },
        "/api/public/requests": {
            "post": {
                "security": [],
                "summary": "公众提交诉求（网站渠道，经统一受理流程；同一表单令牌只生成一张工单）",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": REQUEST},
                        "multipart/form-data": {"schema": MULTIPART},
                    },
                },
                "responses": {
                    "201": json_response(
                        {
                            "type": "object",
                            "properties": {
                                "number": {"type": "string"},
                                "status": {"type": "string"},
                                "created": {"type": "boolean"},
                            },
                        },
                        "已受理",
                    ),
                    "200": json_response({"type": "object"}, "同一表单令牌的已有工单"),
                    "403": error_response("表单令牌无效或已过期"),
                    "413": error_response("请求内容过大"),
                    "422": error_response("输入有误，未写入任何数据"),
                    "429": LIMITED,
                },
            }
        },
        "/api/public/lookup": {
            "post": {
                "security": [],
                "summary": "凭工单编号和联系电话后四位查询办理进度",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["number", "phone_last4"],
                                "properties": {
                                    "number": {"type": "string", "pattern": "^[0-9]{14}$"},
                                    "phone_last4": {"type": "string", "pattern": "^[0-9]{4}$"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": json_response(
                        {
                            "allOf": [
                                CARD,
                                {
                                    "type": "object",
                                    "properties": {
                                        "confidential": {"type": "boolean"},
                                        "handling_unit": NULLABLE_STRING,
                                        "timeline": {"type": "array", "items": {"type": "object"}},
                                    },
                                },
                            ]
                        }
                    ),
                    "404": error_response("编号与电话不匹配或工单不存在（两者答复相同）"),
                    "422": error_response("编号或后四位格式错误"),
                    "429": LIMITED,
                },
            }
        },
        "/api/public/tickets": {
            "get": {
                "security": [],
                "summary": "办件公开：近期诉求（匿名化，保密件不公开），新的在前",
                "parameters": [
                    {
                        "name": "page",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                    },
                    {
                        "name": "per_page",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                    },
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["open", "closed"]},
                    },
                    {"name": "district", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": json_response(
                        {
                            "type": "object",
                            "properties": {
                                "items": {"type": "array", "items": CARD},
                                "page": {"type": "integer"},
                                "per_page": {"type": "integer"},
                                "has_more": {"type": "boolean"},
                            },
                        }
                    ),
                    "422": error_response("参数错误"),
                    "429": LIMITED,
                },
            }
        },
        "/api/public/open-data.json": {
            "get": {
                "security": [],
                "summary": "开放数据：某月办结的公开办件（匿名化，含办理过程和答复）",
                "parameters": [MONTH],
                "responses": {
                    "200": json_response(
                        {
                            "type": "object",
                            "properties": {
                                "month": {"type": "string"},
                                "items": {"type": "array", "items": CARD},
                            },
                        }
                    ),
                    "422": error_response("月份格式错误"),
                    "429": LIMITED,
                },
            }
        },
        "/api/public/open-data.csv": {
            "get": {
                "security": [],
                "summary": "开放数据 CSV（UTF-8，带 BOM）：某月办结的公开办件",
                "parameters": [MONTH],
                "responses": {
                    "200": {
                        "description": "CSV 文件",
                        "content": {"text/csv": {"schema": {"type": "string"}}},
                    },
                    "422": error_response("月份格式错误"),
                    "429": LIMITED,
                },
            }
        },
        "/api/public/districts": {
            "get": {
                "security": [],
                "summary": "区县列表（办件公开的筛选项）",
                "responses": {"200": json_response({"type": "object"}), "429": LIMITED},
            }
        },
    }
