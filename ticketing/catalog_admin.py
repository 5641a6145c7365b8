"""Editing the category catalogue (GB/T 39666 six-digit codes): level 1 is `XX0000`, level 2
`XXYY00`, level 3 `XXYYZZ`; a category's parent is its code with the last non-zero pair zeroed, and
it must exist and be active."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.errors import Conflict, InvalidInput, NotFound
from ticketing.models import Category

CODE = re.compile(r"^\d{6}$")


def category_json(category: Category) -> dict[str, Any]:
    return {
        "code": category.code,
        "name": category.name,
        "level": category.level,
        "parent_code": category.parent_code,
        "active": category.active,
    }


def code_level(code: str) -> tuple[int, str | None]:
    """(level, parent code) of a six-digit code, or InvalidInput."""
    if not CODE.match(code) or code[:2] == "00":
        raise InvalidInput(f"分类编码须为 6 位数字（GB/T 39666）：{code}", code="invalid_category_code")
    if code[2:] == "0000":
        return 1, None
    if code[4:] == "00":
        return 2, code[:2] + "0000"
    if code[2:4] == "00":
        raise InvalidInput(f"三级分类须在二级分类之下：{code}", code="invalid_category_code")
    return 3, code[:4] + "00"


def get_category(session: Session, code: str) -> Category:
    category = session.get(Category, code)
    if category is None:
        raise NotFound(f"诉求分类不存在：{code}", code="unknown_category")
    return category


def add_category(session: Session, code: str, name: str) -> Category:
    level, parent_code = code_level(code)
    if session.get(Category, code) is not None:
        raise Conflict(f"分类编码已存在：{code}", code="category_code_taken")
    if parent_code is not None:
        parent = session.get(Category, parent_code)
        if parent is None or not parent.active:
            raise InvalidInput(f"上级分类不存在或已停用：{parent_code}", code="unknown_parent_category")
    category = Category(code=code, name=name, level=level, parent_code=parent_code, active=True)
    session.add(category)
    session.flush()
    return category


def update_category(
    session: Session, category: Category, *, name: str | None = None, active: bool | None = None
) -> Category:
    if name is not None:
        category.name = name
    if active is False and category.active:
        children = session.execute(
            select(Category.code)
            .where(Category.parent_code == category.code, Category.active.is_(True))
            .limit(3)
        ).scalars()
        codes = list(children)
        if codes:
            raise Conflict(f"请先停用下级分类：{'、'.join(codes)}", code="category_has_active_children")
    if active is True and category.parent_code and not get_category(session, category.parent_code).active:
        raise InvalidInput("上级分类已停用，不能启用下级分类", code="parent_inactive")
    if active is not None:
        category.active = active
    session.flush()
    return category
