"""The OpenAPI paths of 好差评: the rating devices' API (bearer token, no session), the staff's
`/api/ratings/...` and the admin's halls, windows and devices."""

from __future__ import annotations

from typing import Any

from ticketing.evaluations import (
    MAX_CASE_NUMBER_CHARS,
    MAX_COMMENT_CHARS,
    MAX_KEY_CHARS,
    MAX_REASON_CHARS,
    MAX_REASONS,
    MAX_SERVICE_ITEM_CHARS,
)
from ticketing.vocabulary import RatingLevel
from web.openapi_public import LIMITED, error_response, json_response

DEVICE_SECURITY = [{"device": []}]
OBJECT = {"type": "object"}
LEVEL = {
    "type": "string",
    "enum": [level.value for level in RatingLevel] + [level.label for level in RatingLevel],
}
EVALUATION = {
    "type": "object",
    "required": ["level", "idempotency_key"],
    "properties": {
        "level": LEVEL,
        "idempotency_key": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_CHARS},
        "rated_at": {
            "type": "string",
            "format": "date-time",
            "description": "设备评价时刻（离线缓存补传时为原时刻）",
        },
        "reasons": {
            "type": "array",
            "maxItems": MAX_REASONS,
            "items": {"type": "string", "maxLength": MAX_REASON_CHARS},
        },
        "service_item": {"type": "string", "maxLength": MAX_SERVICE_ITEM_CHARS},
        "case_number": {"type": "string", "maxLength": MAX_CASE_NUMBER_CHARS},
        "phone": {"type": "string", "maxLength": 40, "description": "评价人电话（可选，仅用于回访反馈）"},
        "comment": {"type": "string", "maxLength": MAX_COMMENT_CHARS},
    },
    "additionalProperties": False,
}
ACCEPTED = {
    "type": "object",
    "properties": {
        "evaluation_id": {"type": "integer"},
        "created": {"type": "boolean"},
        "level": {"type": "string"},
        "ticket_number": {"type": "string", "nullable": True, "description": "差评转办的工单编号"},
    },
}


def _device(
    summary: str, ok: dict[str, Any], body: dict[str, Any] | None = None, *, body_required: bool = True
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "security": DEVICE_SECURITY,
        "summary": summary,
        "responses": {
            **ok,
            "401": error_response("令牌无效或已停用"),
            "422": error_response("输入有误"),
            "429": LIMITED,
        },
    }
    if body is not None:
        operation["requestBody"] = {
            "required": body_required,
            "content": {"application/json": {"schema": body}},
        }
    return operation


def device_paths() -> dict[str, Any]:
    return {
        "/device/v1/heartbeat": {
            "post": _device(
                "评价器心跳（可附带电量、版本、缓存条数等状态）",
                {"200": json_response(OBJECT)},
                OBJECT,
                body_required=False,
            )
        },
        "/device/v1/config": {
            "get": _device(
                "评价器配置：所在大厅、窗口、工作人员、评价等级与原因标签", {"200": json_response(OBJECT)}
            )
        },
        "/device/v1/evaluations": {
            "post": _device(
                "上报一条评价（幂等：同一幂等键重复上报只记录一次）",
                {
                    "201": json_response(ACCEPTED, "已记录"),
                    "200": json_response(ACCEPTED, "重复上报，返回原记录"),
                },
                EVALUATION,
            )
        },
    }


def _staff(summary: str, parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": parameters or [],
        "responses": {
            "200": json_response(OBJECT),
            "401": error_response("未登录"),
            "403": error_response("无权"),
            "422": error_response("输入有误"),
        },
    }


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


def _post(
    summary: str, body: dict[str, Any], parameters: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": parameters or [],
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "responses": {
            "200": json_response(OBJECT),
            "201": json_response(OBJECT, "已创建"),
            **{code: error_response("错误") for code in ("401", "403", "404", "409", "422")},
        },
    }


def _obj(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return schema


TEXT, INT = {"type": "string"}, {"type": "integer"}


def staff_paths() -> dict[str, Any]:
    moment = {"type": "string", "format": "date-time"}
    return {
        "/api/ratings/bad": {
            "get": _staff("本单位（及下级）的差评与整改工单（不含评价人身份）", [_query("limit", INT)])
        },
        "/api/ratings/stats": {
            "get": _staff(
                "好差评统计（市级平台）",
                [
                    _query("by", {"type": "string", "enum": ["hall", "window", "staff", "unit"]}),
                    _query("since", moment),
                    _query("until", moment),
                ],
            )
        },
        "/api/ratings/qr": {
            "post": _post(
                "生成评价二维码：已办结工单（一事一评）或窗口（一次一评）",
                _obj({"ticket_id": INT, "window_id": INT, "staff_user_id": INT}),
            )
        },
        "/api/admin/halls": {
            "get": _staff("政务服务大厅及其窗口"),
            "post": _post(
                "新增大厅", _obj({"name": TEXT, "unit_id": INT, "address": TEXT}, ("name", "unit_id"))
            ),
        },
        "/api/admin/halls/{hall_id}/windows": {
            "post": _post(
                "新增窗口",
                _obj({"name": TEXT, "unit_id": INT}, ("name", "unit_id")),
                [{"name": "hall_id", "in": "path", "required": True, "schema": INT}],
            )
        },
        "/api/admin/devices": {
            "get": _staff("评价器列表"),
            "post": _post(
                "登记评价器（返回的令牌只显示这一次）",
                _obj({"name": TEXT, "window_id": INT, "staff_user_id": INT}, ("name", "window_id")),
            ),
        },
        "/api/admin/devices/{device_id}/revoke": {
            "post": {
                **_post("停用评价器（其令牌立即失效）", OBJECT),
                "parameters": [{"name": "device_id", "in": "path", "required": True, "schema": INT}],
                "requestBody": {"required": False, "content": {"application/json": {"schema": OBJECT}}},
            }
        },
    }
