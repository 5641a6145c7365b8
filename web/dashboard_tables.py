"""The dashboards' tables for one viewer and month: the same rows feed the page, the JSON API and the
XLSX export of each table, so the three never disagree.

Scope (DESIGN §11): people at the city platform see every unit and the whole hotline; anyone else
sees the units of their own subtree and the tickets they may see. Call-centre figures belong to the
platform and are shown to platform users only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from dispatch.assessment import Assessment, assess
from dispatch.assessment_period import Period
from dispatch.call_figures import call_figures, daily_answer_rates
from dispatch.dashboard_figures import Hotspots, daily_volume, hotspots, survey_results
from dispatch.operators import Operator
from dispatch.policy import load_policy
from dispatch.rating_stats import rating_stats
from dispatch.visibility import subtree, ticket_filter
from ticketing.errors import NotFound
from ticketing.vocabulary import RatingLevel

Cell = str | int | float | None


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "headers": self.headers, "rows": self.rows}


@dataclass
class Dashboard:
    period: str
    weights: dict[str, float]
    tables: dict[str, Table]
    assessment: Assessment
    hotspots: Hotspots
    volume: dict[str, int]
    answer_rates: dict[str, float | None]

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "weights": self.weights,
            "tables": {key: table.as_json() for key, table in self.tables.items()},
        }


TABLE_KEYS = (
    "rankings",
    "sla",
    "assessment",
    "exclusions",
    "volume",
    "hotspots",
    "surveys",
    "calls",
    "ratings",
)
RATING_DIMENSIONS = {"hall": "服务大厅", "window": "窗口", "staff": "工作人员"}


def _rankings(result: Assessment) -> Table:
    table = Table(
        "rankings",
        f"{result.period} 月度考核排名",
        ["名次", "单位", "综合得分", "签收及时率%", "解决率%", "满意率%"],
    )
    for r in result.units:
        table.rows.append(
            [r.rank, r.unit_name, r.composite, r.response_rate, r.resolution_rate, r.satisfaction_rate]
        )
    return table


def _sla(result: Assessment) -> Table:
    headers = ["单位", "应签收", "按时签收", "签收及时率%", "应办结", "按时办结", "按时办结率%"]
    table = Table("sla", "时限执行情况", headers)
    for r in sorted(result.units, key=lambda r: r.unit_name):
        table.rows.append(
            [
                r.unit_name,
                r.sign_due,
                r.signed_in_time,
                r.response_rate,
                r.reply_due,
                r.replied_in_time,
                r.on_time_rate,
            ]
        )
    return table


def _assessment(result: Assessment) -> Table:
    headers = [
        "单位",
        "有效回访",
        "已解决",
        "满意",
        "基本满意",
        "不满意",
        "退单",
        "重办",
        "延期",
        "差评",
        "差评已整改",
        "差评整改率%",
        "申诉核减差评",
    ]
    table = Table("assessment", "考核明细", headers)
    for r in sorted(result.units, key=lambda r: r.unit_name):
        table.rows.append(
            [
                r.unit_name,
                r.callbacks,
                r.resolved,
                r.satisfied,
                r.basically_satisfied,
                r.unsatisfied,
                r.returns,
                r.reopenings,
                r.extensions,
                r.bad_ratings,
                r.bad_ratings_rectified,
                r.rectification_rate,
                r.bad_ratings_excluded,
            ]
        )
    return table


def _exclusions(result: Assessment) -> Table:
    table = Table("exclusions", "申诉成立、不计入考核的差评", ["工单编号", "单位", "审核时间", "审核意见"])
    table.rows = [[e.number, e.unit_name, e.decided_at, e.note] for e in result.exclusions]
    return table


def _ratings(session: Session, period: Period) -> Table:
    """好差评 per hall, window and staff member (ratings whose appeal was upheld are left out)."""
    levels = [level.value for level in RatingLevel]
    table = Table(
        "ratings", "好差评（按大厅、窗口、工作人员）", ["维度", "名称", "评价数", *levels, "差评", "满意率%"]
    )
    for by, label in RATING_DIMENSIONS.items():
        for row in rating_stats(session, by, since=period.start, until=period.end):
            rate = round(row.satisfaction_rate * 100, 2) if row.total else None
            table.rows.append([label, row.name, row.total, *(row.counts[x] for x in levels), row.bad, rate])
    return table


def build_dashboard(session: Session, operator: Operator, period: Period, now: datetime) -> Dashboard:
    platform = operator.at_platform
    units = None if platform else subtree(session, operator.unit_id)
    scope = None if platform and operator.role != "analyst" else ticket_filter(session, operator)
    result = assess(session, period, load_policy(session), now, units)
    volume = daily_volume(session, period, scope)
    spots = hotspots(session, period, scope)
    surveys = survey_results(session, period, scope)
    tables = {
        "rankings": _rankings(result),
        "sla": _sla(result),
        "assessment": _assessment(result),
        "exclusions": _exclusions(result),
        "volume": Table("volume", "每日受理量", ["日期", "工单数"], [[d, n] for d, n in volume.items()]),
        "hotspots": Table(
            "hotspots", "诉求热点（分类 × 区县）", ["诉求分类", *spots.districts], spots.rows()
        ),
        "surveys": Table("surveys", "回访结果", ["结果", "次数"], [[k, v] for k, v in surveys.items()]),
    }
    answer_rates: dict[str, float | None] = {}
    if platform:
        calls = call_figures(session, period)
        headers = [
            "座席",
            "进入排队",
            "人工接通",
            "15秒内接通",
            "放弃",
            "15秒接通率%",
            "放弃率%",
            "平均处理时长(秒)",
        ]
        rows: list[list[Cell]] = [
            [
                c.label,
                c.offered,
                c.answered,
                c.answered_within_target,
                c.abandoned,
                c.answer_rate_15s,
                c.abandonment_rate,
                c.average_handling_seconds,
            ]
            for c in calls
        ]
        tables["calls"] = Table("calls", "话务服务水平（GB/T 33358）", headers, rows)
        tables["ratings"] = _ratings(session, period)
        answer_rates = daily_answer_rates(session, period)
    return Dashboard(period.label, result.weights, tables, result, spots, volume, answer_rates)


def table_of(dashboard: Dashboard, key: str) -> Table:
    if key not in dashboard.tables:
        raise NotFound(f"没有这张报表：{key[:30]}", code="unknown_table")
    return dashboard.tables[key]
