"""The OpenAPI description of the ticket list's filters, the exports and the admin API."""

from __future__ import annotations

from typing import Any

from web.openapi import _body, _error, _json

ERRORS = {"401": _error(), "403": _error(), "404": _error(), "409": _error(), "422": _error()}
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema, "description": description}


def _path(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema or {"type": "integer"}}


def ticket_filter_parameters() -> list[dict[str, Any]]:
    text = {"type": "string"}
    return [
        _query("status", text, "状态，逗号分隔（如 registered,dispatched）"),
        _query("grade", text, "紧急程度，逗号分隔（urgent, important, normal）"),
        _query("channel", text, "受理渠道，逗号分隔"),
        _query("unit_id", {"type": "integer", "minimum": 1}, "当前承办单位或任一派单任务的单位"),
        _query(
            "category", {"type": "string", "pattern": "^[0-9]{2}([0-9]{2}){0,2}$"}, "分类编码前缀（2/4/6 位）"
        ),
        _query("created_from", {"type": "string", "format": "date"}, "受理日期起（北京时间，含）"),
        _query("created_to", {"type": "string", "format": "date"}, "受理日期止（北京时间，含）"),
        _query("q", {"type": "string", "maxLength": 100}, "全文检索：编号、标题、地址、内容（两个字即可）"),
    ]


def _export(media_type: str, summary: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": ticket_filter_parameters(),
            "responses": {
                "200": {
                    "description": "导出文件（至多 50000 件）",
                    "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
                },
                "401": _error(),
                "422": _error(),
            },
        }
    }


def _obj(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return schema


def _list(summary: str, parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "summary": summary,
        "parameters": parameters or [],
        "responses": {"200": _json({"type": "object"}), "401": _error(), "403": _error(), "422": _error()},
    }


def _write(
    summary: str, body: dict[str, Any], parameters: list[dict[str, Any]] | None = None, created: bool = False
) -> dict[str, Any]:
    ok = {"201": _json({"type": "object"}, "已创建")} if created else {"200": _json({"type": "object"})}
    return {
        "summary": summary,
        "parameters": parameters or [],
        "requestBody": _body(body),
        "responses": {**ok, **ERRORS},
    }


TEXT, INT, BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
PAGING = [
    _query("page", {"type": "integer", "minimum": 1}, "页码"),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": 200}, "每页条数"),
]
ARTICLE = _obj(
    {
        **{
            f: TEXT
            for f in (
                "title",
                "summary",
                "basis",
                "conditions",
                "materials",
                "time_limit",
                "place",
                "phone",
                "fees",
                "keywords",
            )
        },
        "category_code": {"type": "string", "nullable": True},
        "unit_id": {"type": "integer", "nullable": True},
        "active": BOOL,
        "faq": {"type": "array", "items": _obj({"q": TEXT, "a": TEXT}, ("q", "a"))},
    }
)


def admin_paths() -> dict[str, Any]:
    return {
        "/api/tickets/export.csv": _export(CSV, "导出筛选后的工单（CSV，UTF-8 带 BOM）"),
        "/api/tickets/export.xlsx": _export(XLSX, "导出筛选后的工单（Excel）"),
        "/api/admin/audit": {
            "get": _list(
                "管理操作审计日志",
                [
                    *PAGING,
                    _query("entity", TEXT, "对象类型（org_unit, user, category, ...）"),
                    _query("entity_id", TEXT, "对象编号"),
                ],
            )
        },
        "/api/admin/units": {
            "get": _list("组织机构树（平铺，含 parent_id）"),
            "post": _write(
                "新增单位",
                _obj(
                    {"code": TEXT, "name": TEXT, "kind": TEXT, "parent_id": INT, "phone": TEXT},
                    ("code", "name", "kind"),
                ),
                created=True,
            ),
        },
        "/api/admin/units/{unit_id}": {
            "patch": _write(
                "改名、改电话、停用/启用单位",
                _obj({"name": TEXT, "phone": TEXT, "active": BOOL}),
                [_path("unit_id")],
            )
        },
        "/api/admin/users": {
            "get": _list("用户列表"),
            "post": _write(
                "新增用户（不给密码则生成一次性显示的密码）",
                _obj(
                    {
                        "username": TEXT,
                        "role": TEXT,
                        "unit_code": TEXT,
                        "display_name": TEXT,
                        "sip_uri": TEXT,
                        "password": TEXT,
                    },
                    ("username", "role", "unit_code"),
                ),
                created=True,
            ),
        },
        "/api/admin/users/{user_id}": {
            "patch": _write(
                "停用/启用用户、改姓名", _obj({"display_name": TEXT, "active": BOOL}), [_path("user_id")]
            )
        },
        "/api/admin/users/{user_id}/password": {
            "post": _write("重置密码（并解除锁定）", _obj({"password": TEXT}), [_path("user_id")])
        },
        "/api/admin/categories": {
            "get": _list("诉求分类目录（GB/T 39666）"),
            "post": _write("新增分类", _obj({"code": TEXT, "name": TEXT}, ("code", "name")), created=True),
        },
        "/api/admin/categories/{code}": {
            "patch": _write(
                "分类改名、停用/启用", _obj({"name": TEXT, "active": BOOL}), [_path("code", TEXT)]
            )
        },
        "/api/admin/rules": {
            "get": _list("派单目录规则"),
            "post": _write(
                "新增派单规则",
                _obj(
                    {"category_prefix": TEXT, "unit_code": TEXT, "area_code": TEXT, "priority": INT},
                    ("category_prefix", "unit_code"),
                ),
                created=True,
            ),
        },
        "/api/admin/rules/{rule_id}": {
            "patch": _write(
                "调整规则优先级、停用/启用", _obj({"priority": INT, "active": BOOL}), [_path("rule_id")]
            )
        },
        "/api/admin/policy": {"get": _list("时限政策与派单参数")},
        "/api/admin/policy/limits/{grade}/{stage}": {
            "put": _write(
                "设置时限",
                _obj({"amount": INT, "unit": TEXT}, ("amount", "unit")),
                [_path("grade", TEXT), _path("stage", TEXT)],
            )
        },
        "/api/admin/policy/settings/{key}": {
            "put": _write(
                "设置派单参数", _obj({"value": {"type": "number"}}, ("value",)), [_path("key", TEXT)]
            )
        },
        "/api/admin/calendar": {
            "get": _list(
                "工作日历", [_query("year", {"type": "integer", "minimum": 2000, "maximum": 2100}, "年份")]
            )
        },
        "/api/admin/calendar/{day}": {
            "put": _write(
                "设置某日为工作日或休息日",
                _obj({"is_workday": BOOL, "name": TEXT}, ("is_workday",)),
                [_path("day", {"type": "string", "format": "date"})],
            )
        },
        "/api/admin/knowledge": {
            "get": _list("知识库条目（含停用）", PAGING),
            "post": _write("新增办事指南", ARTICLE, created=True),
        },
        "/api/admin/knowledge/{article_id}": {
            "patch": _write("修改办事指南", ARTICLE, [_path("article_id")])
        },
    }
