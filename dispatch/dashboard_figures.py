"""The dashboards' other figures for a period: the daily volume, hotspots (top-level category ×
district) and the callback survey results — grouped in SQL, named in Python from small tables."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from dispatch.assessment_period import Period, beijing_day
from ticketing.models import Category, OrgUnit, Ticket, TicketEvent
from ticketing.vocabulary import OrgKind

SATISFACTION_LABELS = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}
UNREACHABLE_LABEL = "未接通（无效回访）"
NO_DISTRICT = "未定位"
NO_CATEGORY = "未分类"
TOP_CATEGORY_CHARS = 2  # category codes are 2 + 2 + 2 digits (GB/T 39666 style)


# `scope`: the tickets the viewer may count (dispatch.visibility.ticket_filter), None for all.
Scope = ColumnElement[bool] | None


def _created_in(period: Period, scope: Scope) -> list[ColumnElement[bool]]:
    conditions = [Ticket.created_at >= period.start, Ticket.created_at < period.end]
    return conditions if scope is None else [*conditions, scope]


def daily_volume(session: Session, period: Period, scope: Scope = None) -> dict[str, int]:
    day = beijing_day(session, Ticket.created_at)
    found = dict(
        session.execute(select(day, func.count()).where(*_created_in(period, scope)).group_by(day)).all()
    )
    return {d: int(found.get(d, 0)) for d in period.days()}


@dataclass(frozen=True)
class Hotspots:
    districts: list[str]
    categories: list[str]
    counts: dict[tuple[str, str], int]  # (category, district) -> tickets

    def rows(self) -> list[list[str | int]]:
        return [[c, *[self.counts.get((c, d), 0) for d in self.districts]] for c in self.categories]


def _district_names(session: Session) -> dict[int, str]:
    """Every unit id -> the name of the district it lies in (the tree is a few thousand units)."""
    units = {
        uid: (parent, kind, name)
        for uid, parent, kind, name in session.execute(
            select(OrgUnit.id, OrgUnit.parent_id, OrgUnit.kind, OrgUnit.name)
        )
    }
    names: dict[int, str] = {}
    for uid in units:
        cursor: int | None = uid
        while cursor is not None and units[cursor][1] != OrgKind.DISTRICT.value:
            cursor = units[cursor][0]
        if cursor is not None:
            names[uid] = units[cursor][2]
    return names


def hotspots(session: Session, period: Period, scope: Scope = None, top: int = 12) -> Hotspots:
    top_code = func.substr(Ticket.category_code, 1, TOP_CATEGORY_CHARS)
    grouped = session.execute(
        select(top_code, Ticket.area_unit_id, func.count())
        .where(*_created_in(period, scope))
        .group_by(top_code, Ticket.area_unit_id)
    ).all()
    districts = _district_names(session)
    category_names = {  # level 1 is "XX0000": its first two digits name the top level
        code[:TOP_CATEGORY_CHARS]: name
        for code, name in session.execute(select(Category.code, Category.name).where(Category.level == 1))
    }
    counts: Counter[tuple[str, str]] = Counter()
    for code, area, n in grouped:
        category = category_names.get(code or "", NO_CATEGORY)
        counts[(category, districts.get(area, NO_DISTRICT) if area is not None else NO_DISTRICT)] += n
    per_category: Counter[str] = Counter()
    per_district: Counter[str] = Counter()
    for (category, district), n in counts.items():
        per_category[category] += n
        per_district[district] += n
    return Hotspots(
        sorted(per_district, key=lambda d: (-per_district[d], d)),
        [c for c, _ in sorted(per_category.items(), key=lambda kv: (-kv[1], kv[0]))[:top]],
        dict(counts),
    )


def survey_results(session: Session, period: Period, scope: Scope = None) -> dict[str, int]:
    """Callback outcomes in the period: each satisfaction answer, and the unreachable attempts."""
    answer = TicketEvent.payload["satisfaction"].as_string()
    in_period = [TicketEvent.created_at >= period.start, TicketEvent.created_at < period.end]
    if scope is not None:
        in_period.append(TicketEvent.ticket_id.in_(select(Ticket.id).where(scope)))
    found = dict(
        session.execute(
            select(answer, func.count())
            .where(TicketEvent.action == "record_visit", *in_period)
            .group_by(answer)
        ).all()
    )
    unreachable = session.execute(
        select(func.count()).where(TicketEvent.action == "survey_unreachable", *in_period)
    ).scalar_one()
    results = {label: int(found.get(key, 0)) for key, label in SATISFACTION_LABELS.items()}
    results[UNREACHABLE_LABEL] = int(unreachable)
    return results
