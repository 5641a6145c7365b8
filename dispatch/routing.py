"""派单目录: the admin's rules (category × area → unit) and the unit they suggest for a ticket.

The most specific rule wins: a longer category prefix first, then a rule bound to an area over one
that is not (the nearest area when several enclose the ticket's place), then the lower priority
number.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.models import DispatchRule
from ticketing.errors import InvalidInput, NotFound
from ticketing.models import Category, OrgUnit


@dataclass(frozen=True)
class RuleMatch:
    rule_id: int
    unit_id: int
    unit_name: str
    reason: str


def area_chain(session: Session, unit_id: int | None) -> list[int]:
    """The unit and its ancestors, nearest first."""
    chain: list[int] = []
    while unit_id is not None and unit_id not in chain:
        chain.append(unit_id)
        unit_id = session.execute(select(OrgUnit.parent_id).where(OrgUnit.id == unit_id)).scalar_one_or_none()
    return chain


def match_rule(session: Session, category_code: str | None, area_unit_id: int | None) -> RuleMatch | None:
    if not category_code:
        return None
    prefixes = [category_code[:n] for n in (6, 4, 2)]
    areas = area_chain(session, area_unit_id)
    rules = session.execute(
        select(DispatchRule).where(DispatchRule.active.is_(True), DispatchRule.category_prefix.in_(prefixes))
    ).scalars()
    candidates = [r for r in rules if r.area_unit_id is None or r.area_unit_id in areas]
    if not candidates:
        return None

    def specificity(rule: DispatchRule) -> tuple[int, int, int]:
        area_rank = areas.index(rule.area_unit_id) if rule.area_unit_id is not None else len(areas)
        return (-len(rule.category_prefix), area_rank, rule.priority)

    best = min(candidates, key=specificity)
    unit = session.get_one(OrgUnit, best.unit_id)
    return RuleMatch(best.id, unit.id, unit.name, f"派单目录规则 #{best.id}（分类 {best.category_prefix}）")


def add_rule(
    session: Session,
    category_prefix: str,
    unit_code: str,
    *,
    area_code: str | None = None,
    priority: int = 100,
) -> DispatchRule:
    if len(category_prefix) not in (2, 4, 6) or not category_prefix.isdigit():
        raise InvalidInput(
            f"分类前缀须为 2、4 或 6 位数字：{category_prefix}", code="invalid_category_prefix"
        )
    padded = category_prefix.ljust(6, "0")
    if session.get(Category, padded) is None:
        raise InvalidInput(f"诉求分类不存在：{padded}", code="unknown_category")
    rule = DispatchRule(
        category_prefix=category_prefix,
        unit_id=_unit_id(session, unit_code),
        area_unit_id=_unit_id(session, area_code) if area_code else None,
        priority=priority,
    )
    session.add(rule)
    session.flush()
    return rule


def _unit_id(session: Session, code: str) -> int:
    unit_id = session.execute(select(OrgUnit.id).where(OrgUnit.code == code)).scalar_one_or_none()
    if unit_id is None:
        raise NotFound(f"单位编码不存在：{code}", code="unknown_unit")
    return unit_id


def rule_json(rule: DispatchRule) -> dict[str, object]:
    return {
        "id": rule.id,
        "category_prefix": rule.category_prefix,
        "area_unit_id": rule.area_unit_id,
        "unit_id": rule.unit_id,
        "priority": rule.priority,
        "active": rule.active,
    }


def get_rule(session: Session, rule_id: int) -> DispatchRule:
    rule = session.get(DispatchRule, rule_id)
    if rule is None:
        raise NotFound(f"派单规则不存在：{rule_id}", code="unknown_rule")
    return rule


def update_rule(
    session: Session, rule: DispatchRule, *, priority: int | None = None, active: bool | None = None
) -> DispatchRule:
    if priority is not None:
        if not 0 <= priority <= 10_000:
            raise InvalidInput("优先级须在 0 到 10000 之间", code="invalid_priority")
        rule.priority = priority
    if active is not None:
        rule.active = active
    session.flush()
    return rule
