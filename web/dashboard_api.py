"""Dashboards for leaders, supervisors and analysts (DESIGN §10): the page `/dashboard`, its data as
JSON (`/api/dashboard`) and every table as an XLSX file (`/api/dashboard/{table}.xlsx`).

`?month=YYYY-MM` picks the period (default: this month, Beijing time).
"""

from __future__ import annotations

import asyncio
import io
import re
from typing import Any
from urllib.parse import quote

from aiohttp import web

from dispatch.assessment_period import Period, current_month, month_period
from dispatch.operators import Forbidden, Operator
from ticketing.models import utcnow
from ticketing.vocabulary import Role
from web import charts
from web.auth import operator_of
from web.dashboard_tables import Dashboard, Table, build_dashboard, table_of
from web.keys import DB_KEY

VIEWERS = frozenset({Role.LEADER.value, Role.SUPERVISOR.value, Role.ANALYST.value, Role.ADMIN.value})
# What each role looks at first; every role can reach every table below.
SECTION_ORDER: dict[str, tuple[str, ...]] = {
    Role.LEADER.value: (
        "rankings",
        "volume",
        "hotspots",
        "surveys",
        "sla",
        "calls",
        "assessment",
        "exclusions",
        "ratings",
    ),
    Role.SUPERVISOR.value: (
        "sla",
        "rankings",
        "exclusions",
        "volume",
        "hotspots",
        "surveys",
        "calls",
        "assessment",
        "ratings",
    ),
    Role.ANALYST.value: (
        "volume",
        "hotspots",
        "surveys",
        "calls",
        "rankings",
        "sla",
        "assessment",
        "exclusions",
        "ratings",
    ),
}
DEFAULT_ORDER = SECTION_ORDER[Role.ANALYST.value]
SHEET_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")  # characters Excel refuses in a sheet name
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _viewer(request: web.Request) -> Operator:
    operator = operator_of(request)
    if operator.role not in VIEWERS:
        raise Forbidden(f"您的角色（{Role(operator.role).label}）无权查看考核看板")
    return operator


def period_of(request: web.Request) -> Period:
    return month_period(request.query.get("month") or current_month(utcnow()))


async def load_dashboard(request: web.Request, operator: Operator, period: Period) -> Dashboard:
    def load() -> Dashboard:
        with request.app[DB_KEY].read_session() as s:
            return build_dashboard(s, operator, period, utcnow())

    return await asyncio.to_thread(load)


async def dashboard_json(request: web.Request) -> web.Response:
    operator = _viewer(request)
    dashboard = await load_dashboard(request, operator, period_of(request))
    return web.json_response(dashboard.as_json())


def xlsx_bytes(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_FORBIDDEN.sub(" ", table.title)[:31])
    sheet.append(table.headers)

    def cell(value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = WriteOnlyCell(sheet, value)
        text.data_type = "s"  # a unit name is text, never a formula
        return text

    for row in table.rows:
        sheet.append([cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def table_xlsx(request: web.Request) -> web.Response:
    operator = _viewer(request)
    period = period_of(request)
    dashboard = await load_dashboard(request, operator, period)
    table = table_of(dashboard, request.match_info["table"])
    body = await asyncio.to_thread(xlsx_bytes, table)
    name = quote(f"{table.title}-{period.label}.xlsx")
    disposition = f"attachment; filename=\"{table.key}-{period.label}.xlsx\"; filename*=UTF-8''{name}"
    return web.Response(body=body, headers={"Content-Type": XLSX_TYPE, "Content-Disposition": disposition})


def charts_of(dashboard: Dashboard) -> dict[str, Any]:
    """One picture per section; tables without one (details, exclusions) show only their rows."""
    ranked = [(r.unit_name, r.composite) for r in dashboard.assessment.units[:15]]
    by_name = sorted(dashboard.assessment.units, key=lambda r: r.unit_name)[:15]
    surveys = dashboard.tables["surveys"].rows
    pictures = {
        "rankings": charts.bar_chart("综合得分", ranked, limit=100),
        "sla": charts.bar_chart("按时办结率", [(r.unit_name, r.on_time_rate) for r in by_name], "%", 100),
        "volume": charts.line_chart("每日受理量", list(dashboard.volume.items())),
        "hotspots": charts.heat_map(
            "诉求热点", dashboard.hotspots.categories, dashboard.hotspots.districts, dashboard.hotspots.counts
        ),
        "surveys": charts.bar_chart("回访结果", [(str(k), float(v or 0)) for k, v in surveys]),
    }
    if "calls" in dashboard.tables:
        pictures["calls"] = charts.line_chart("每日15秒接通率", list(dashboard.answer_rates.items()), "%")
    return pictures


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/dashboard", dashboard_json)
    app.router.add_get(r"/api/dashboard/{table}.xlsx", table_xlsx)
