"""Admin API for dispatch configuration: catalogue rules, the SLA policy and its settings, and the
working-day calendar. Policy and calendar edits drop this process's cached copies at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.calendar_store import set_day
from dispatch.context import forget_policy
from dispatch.models import DispatchRule, PolicySetting, SlaPolicy
from dispatch.operators import Operator
from dispatch.policy import load_policy, set_limit, set_setting
from dispatch.routing import add_rule, get_rule, rule_json, update_rule
from ticketing.errors import InvalidInput, NotFound
from ticketing.models import CalendarDay
from web.admin_api import Change, admin_of, change, read
from web.admin_body import Body
from web.keys import DB_KEY
from web.request_parsing import path_int, query_int


async def list_rules(request: web.Request) -> web.Response:
    def load(session: Session) -> dict[str, Any]:
        rules = session.execute(select(DispatchRule).order_by(DispatchRule.category_prefix, DispatchRule.id))
        return {"items": [rule_json(r) for r in rules.scalars()]}

    return await read(request, load)


async def post_rule(request: web.Request) -> web.Response:
    admin_of(request)
    body = await Body.read(request, ("category_prefix", "unit_code", "area_code", "priority"))
    prefix = body.text("category_prefix", required=True, max_len=6) or ""
    unit_code = body.text("unit_code", required=True, max_len=32) or ""
    area_code = body.text("area_code", max_len=32)
    priority = body.integer("priority")

    def work(session: Session, _: Operator) -> Change:
        rule = add_rule(session, prefix, unit_code, area_code=area_code, priority=100)
        update_rule(session, rule, priority=priority)
        return Change("create", "dispatch_rule", rule.id, None, rule_json(rule))

    return await change(request, work, status=201)


async def patch_rule(request: web.Request) -> web.Response:
    admin_of(request)
    rule_id = path_int(request, "rule_id", "派单规则不存在", "unknown_rule")
    body = await Body.read(request, ("priority", "active"))
    priority, active = body.integer("priority"), body.flag("active")

    def work(session: Session, _: Operator) -> Change:
        rule = get_rule(session, rule_id)
        before = rule_json(rule)
        update_rule(session, rule, priority=priority, active=active)
        return Change("update", "dispatch_rule", rule.id, before, rule_json(rule))

    return await change(request, work)


def policy_json(session: Session) -> dict[str, Any]:
    policy = load_policy(session)
    customised = {(row.grade, row.stage) for row in session.execute(select(SlaPolicy)).scalars()}
    overridden = set(session.execute(select(PolicySetting.key)).scalars())
    return {
        "limits": [
            {
                "grade": g,
                "stage": s,
                "amount": limit.amount,
                "unit": limit.unit,
                "default": (g, s) not in customised,
            }
            for (g, s), limit in sorted(policy.limits.items())
        ],
        "settings": [
            {"key": key, "value": value, "default": key not in overridden}
            for key, value in sorted(policy.settings.items())
        ],
    }


async def get_policy(request: web.Request) -> web.Response:
    return await read(request, policy_json)


def _limit_json(session: Session, grade: str, stage: str) -> dict[str, Any] | None:
    limit = load_policy(session).limits.get((grade, stage))
    return (
        None
        if limit is None
        else {"grade": grade, "stage": stage, "amount": limit.amount, "unit": limit.unit}
    )


async def put_limit(request: web.Request) -> web.Response:
    admin_of(request)
    grade, stage = request.match_info["grade"], request.match_info["stage"]
    body = await Body.read(request, ("amount", "unit"))
    amount = body.integer("amount", required=True) or 0
    unit = body.text("unit", required=True, max_len=20) or ""
    db = request.app[DB_KEY]

    def work(session: Session, _: Operator) -> Change:
        before = _limit_json(session, grade, stage)
        set_limit(session, grade, stage, amount, unit)
        session.flush()
        return Change(
            "set_limit", "sla_policy", f"{grade}/{stage}", before, _limit_json(session, grade, stage)
        )

    return await change(request, work, after_commit=lambda: forget_policy(db))


async def put_setting(request: web.Request) -> web.Response:
    admin_of(request)
    key = request.match_info["key"]
    body = await Body.read(request, ("value",))
    value = body.number("value", required=True) or 0.0
    db = request.app[DB_KEY]

    def work(session: Session, _: Operator) -> Change:
        settings = load_policy(session).settings
        if key not in settings:
            raise NotFound(f"没有这项参数：{key}", code="unknown_policy_setting")
        if key == "warning_share" and not 0 < value < 1:
            raise InvalidInput("预警比例须在 0 与 1 之间", code="invalid_policy_setting")
        before = {"key": key, "value": settings[key]}
        set_setting(session, key, value)
        session.flush()
        return Change("set_setting", "policy_setting", key, before, {"key": key, "value": value})

    return await change(request, work, after_commit=lambda: forget_policy(db))


def day_json(day: CalendarDay) -> dict[str, Any]:
    return {"day": day.day.isoformat(), "is_workday": day.is_workday, "name": day.name, "source": day.source}


async def get_calendar(request: web.Request) -> web.Response:
    year = query_int(request, "year", dt.date.today().year, 2000, 2100)

    def load(session: Session) -> dict[str, Any]:
        rows = session.execute(
            select(CalendarDay)
            .where(CalendarDay.day.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
            .order_by(CalendarDay.day)
        ).scalars()
        return {"year": year, "items": [day_json(d) for d in rows]}

    return await read(request, load)


async def put_day(request: web.Request) -> web.Response:
    admin_of(request)
    try:
        day = dt.date.fromisoformat(request.match_info["day"])
    except ValueError:
        raise InvalidInput("日期须为 YYYY-MM-DD", code="invalid_day") from None
    if not 2000 <= day.year <= 2100:
        raise InvalidInput("日期须在 2000 到 2100 年之间", code="invalid_day")
    body = await Body.read(request, ("is_workday", "name"))
    is_workday = bool(body.flag("is_workday", required=True))
    name = body.text("name", max_len=50)
    db = request.app[DB_KEY]

    def work(session: Session, _: Operator) -> Change:
        row = session.get(CalendarDay, day)
        before = day_json(row) if row else None
        set_day(session, day, is_workday=is_workday, name=name)
        session.flush()
        return Change(
            "set_day", "calendar_day", day.isoformat(), before, day_json(session.get_one(CalendarDay, day))
        )

    return await change(request, work, after_commit=lambda: forget_policy(db))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/admin/rules", list_rules)
    app.router.add_post("/api/admin/rules", post_rule)
    app.router.add_patch(r"/api/admin/rules/{rule_id}", patch_rule)
    app.router.add_get("/api/admin/policy", get_policy)
    app.router.add_put(r"/api/admin/policy/limits/{grade}/{stage}", put_limit)
    app.router.add_put(r"/api/admin/policy/settings/{key}", put_setting)
    app.router.add_get("/api/admin/calendar", get_calendar)
    app.router.add_put(r"/api/admin/calendar/{day}", put_day)
