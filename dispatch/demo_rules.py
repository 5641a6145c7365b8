"""The demo city's dispatch catalogue: every leaf category to the city department that handles it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from dispatch.routing import add_rule
from ticketing.demo.categories import LEAF_DEPARTMENT


def department_for(category_code: str) -> str:
    return LEAF_DEPARTMENT[category_code]


def seed_rules(session: Session) -> int:
    for category_code, department_code in sorted(LEAF_DEPARTMENT.items()):
        add_rule(session, category_code, department_code)
    return len(LEAF_DEPARTMENT)
