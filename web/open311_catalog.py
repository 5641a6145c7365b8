"""GeoReport services from the category catalogue: each active level-3 category is one service.

The six-digit GB/T 39666 code is the service_code; the level-1 category is the group. The catalogue
has no free-text descriptions or synonyms, so the path through the tree serves as both.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ticketing.models import Category

LEAF_LEVEL = 3


def _leaf_rows(session: Session, code: str | None = None) -> list[tuple[Category, str, str]]:
    """(leaf, level-2 name, level-1 name) for active leaves whose ancestors are active too."""
    middle, top = aliased(Category), aliased(Category)
    query = (
        select(Category, middle.name, top.name)
        .join(middle, Category.parent_code == middle.code)
        .join(top, middle.parent_code == top.code)
        .where(
            Category.level == LEAF_LEVEL,
            Category.active.is_(True),
            middle.active.is_(True),
            top.active.is_(True),
        )
        .order_by(Category.code)
    )
    if code is not None:
        query = query.where(Category.code == code)
    return [(leaf, middle_name, top_name) for leaf, middle_name, top_name in session.execute(query)]


def _service(leaf: Category, middle_name: str, top_name: str) -> dict[str, Any]:
    return {
        "service_code": leaf.code,
        "service_name": leaf.name,
        "description": f"{top_name} › {middle_name} › {leaf.name}",
        "metadata": False,  # no extra attributes: description and location say everything we need
        "type": "realtime",  # a POST answers with the ticket number at once, never a token to poll
        "keywords": ",".join(dict.fromkeys((leaf.name, middle_name, top_name))),
        "group": top_name,
    }


def list_services(session: Session) -> list[dict[str, Any]]:
    return [_service(*row) for row in _leaf_rows(session)]


def find_service(session: Session, code: str) -> dict[str, Any] | None:
    rows = _leaf_rows(session, code)
    return _service(*rows[0]) if rows else None


def service_definition(code: str) -> dict[str, Any]:
    """The spec's definition of a service without metadata: its code and an empty attribute list."""
    return {"service_code": code, "attributes": []}
