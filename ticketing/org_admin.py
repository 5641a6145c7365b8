"""Editing the org tree (admin console): add a unit under a parent of the right kind, rename it,
change its phone, deactivate it once nothing active hangs below it."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.errors import Conflict, InvalidInput, NotFound
from ticketing.models import OrgUnit, User
from ticketing.vocabulary import ORG_CHILD_KINDS, ORG_LEVEL, OrgKind

UNIT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")


def unit_json(unit: OrgUnit) -> dict[str, Any]:
    return {
        "id": unit.id,
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "kind_label": OrgKind(unit.kind).label,
        "level": unit.level,
        "parent_id": unit.parent_id,
        "phone": unit.phone,
        "active": unit.active,
    }


def get_unit(session: Session, unit_id: int) -> OrgUnit:
    unit = session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound(f"单位不存在：{unit_id}", code="unknown_unit")
    return unit


def create_unit(
    session: Session, *, code: str, name: str, kind: str, parent_id: int | None, phone: str | None = None
) -> OrgUnit:
    if not UNIT_CODE.match(code):
        raise InvalidInput(
            f"单位编码无效：{code}（大写字母、数字、_ 或 -，至多 32 位）", code="invalid_unit_code"
        )
    try:
        org_kind = OrgKind(kind)
    except ValueError:
        allowed = "、".join(f"{k.value}({k.label})" for k in OrgKind)
        raise InvalidInput(f"单位类型无效：{kind}（可选：{allowed}）", code="invalid_unit_kind") from None
    if parent_id is None:
        if org_kind is not OrgKind.CITY_PLATFORM:
            raise InvalidInput("只有市级平台可以没有上级单位", code="parent_required")
        if session.execute(select(OrgUnit.id).where(OrgUnit.parent_id.is_(None))).first():
            raise Conflict("市级平台已存在", code="platform_exists")
    else:
        parent = get_unit(session, parent_id)
        if not parent.active:
            raise InvalidInput(f"上级单位已停用：{parent.name}", code="parent_inactive")
        if org_kind not in ORG_CHILD_KINDS[OrgKind(parent.kind)]:
            raise InvalidInput(
                f"{OrgKind(parent.kind).label}下不能设{org_kind.label}", code="invalid_unit_kind"
            )
    if session.execute(select(OrgUnit.id).where(OrgUnit.code == code)).first():
        raise Conflict(f"单位编码已存在：{code}", code="unit_code_taken")
    unit = OrgUnit(
        code=code, name=name, kind=org_kind.value, level=ORG_LEVEL[org_kind], parent_id=parent_id, phone=phone
    )
    session.add(unit)
    session.flush()
    return unit


def update_unit(
    session: Session,
    unit: OrgUnit,
    *,
    name: str | None = None,
    phone: str | None = None,
    active: bool | None = None,
) -> OrgUnit:
    if name is not None:
        unit.name = name
    if phone is not None:
        unit.phone = phone or None
    if active is False and unit.active:
        _check_can_deactivate(session, unit)
    if active is not None:
        if active and unit.parent_id is not None and not get_unit(session, unit.parent_id).active:
            raise InvalidInput("上级单位已停用，不能启用下级单位", code="parent_inactive")
        unit.active = active
    session.flush()
    return unit


def _check_can_deactivate(session: Session, unit: OrgUnit) -> None:
    if unit.parent_id is None:
        raise InvalidInput("市级平台不能停用", code="cannot_deactivate_platform")
    children = session.execute(
        select(OrgUnit.name).where(OrgUnit.parent_id == unit.id, OrgUnit.active.is_(True)).limit(3)
    ).scalars()
    names = list(children)
    if names:
        raise Conflict(f"请先停用下级单位：{'、'.join(names)}", code="unit_has_active_children")
    users = session.execute(
        select(User.username).where(User.unit_id == unit.id, User.active.is_(True)).limit(3)
    ).scalars()
    usernames = list(users)
    if usernames:
        raise Conflict(f"请先停用或调走本单位用户：{'、'.join(usernames)}", code="unit_has_active_users")
