"""The OpenAPI paths of the dashboards (leaders, supervisors, analysts, admins)."""

from __future__ import annotations

from typing import Any

from web.dashboard_tables import TABLE_KEYS
from web.openapi_public import MONTH, error_response, json_response

TABLE = {
    "type": "object",
    "properties": {
        "key": {"type": "string"},
        "title": {"type": "string"},
        "headers": {"type": "array", "items": {"type": "string"}},
        "rows": {"type": "array", "items": {"type": "array"}},
    },
}


def dashboard_paths() -> dict[str, Any]:
    refused = {
        "401": error_response("未登录"),
        "403": error_response("角色无权查看"),
        "422": error_response("月份格式错误"),
    }
    return {
        "/api/dashboard": {
            "get": {
                "summary": "考核看板数据：排名、时限、考核明细、申诉核减、受理量、热点、回访、话务",
                "parameters": [MONTH],
                "responses": {
                    "200": json_response(
                        {
                            "type": "object",
                            "properties": {
                                "period": {"type": "string"},
                                "weights": {"type": "object"},
                                "tables": {"type": "object", "additionalProperties": TABLE},
                            },
                        }
                    ),
                    **refused,
                },
            }
        },
        "/api/dashboard/{table}.xlsx": {
            "get": {
                "summary": "看板中任一报表导出为 Excel",
                "parameters": [
                    {
                        "name": "table",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": list(TABLE_KEYS)},
                    },
                    MONTH,
                ],
                "responses": {
                    "200": {"description": "XLSX 文件"},
                    "404": error_response("没有这张报表"),
                    **refused,
                },
            }
        },
    }
