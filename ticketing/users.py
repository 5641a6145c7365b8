"""Creating, listing and disabling users (operators' command line and the admin console)."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.errors import Conflict, InvalidInput, NotFound
from ticketing.models import OrgUnit, User
from ticketing.passwords import MIN_PASSWORD_LENGTH, hash_password
from ticketing.vocabulary import Role

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


def _unit_by_code(session: Session, code: str) -> OrgUnit:
    unit = session.execute(select(OrgUnit).where(OrgUnit.code == code)).scalar_one_or_none()
    if unit is None:
        raise NotFound(f"单位编码不存在：{code}", code="unknown_unit", field="unit")
    return unit


def add_user(
    session: Session,
    username: str,
    *,
    role: str,
    unit_code: str,
    password: str,
    display_name: str | None = None,
    sip_uri: str | None = None,
) -> User:
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput(
            f"用户名无效：{username}（小写字母、数字、点、下划线、连字符，2–64 位）", code="invalid_username"
        )
    try:
        role_value = Role.parse(role).value
    except ValueError:
        allowed = "、".join(f"{r.value}({r.label})" for r in Role)
        raise InvalidInput(f"角色无效：{role}（可选：{allowed}）", code="invalid_role") from None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"密码至少 {MIN_PASSWORD_LENGTH} 位", code="weak_password")
    unit = _unit_by_code(session, unit_code)
    if session.execute(select(User.id).where(User.username == username)).first():
        raise Conflict(f"用户名已存在：{username}", code="username_taken")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role_value,
        unit_id=unit.id,
        sip_uri=sip_uri,
    )
    session.add(user)
    session.flush()
    return user


def list_users(session: Session) -> list[tuple[User, OrgUnit]]:
    return [
        (user, unit)
        for user, unit in session.execute(
            select(User, OrgUnit).join(OrgUnit, User.unit_id == OrgUnit.id).order_by(User.username)
        ).all()
    ]


def set_active(session: Session, username: str, active: bool) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"用户不存在：{username}", code="unknown_user")
    user.active = active
    return user


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def user_json(user: User, unit: OrgUnit) -> dict[str, object]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "role_label": Role(user.role).label,
        "unit_id": unit.id,
        "unit_code": unit.code,
        "unit_name": unit.name,
        "sip_uri": user.sip_uri,
        "active": user.active,
        "locked_until": user.locked_until.isoformat() if user.locked_until else None,
    }


def reset_password(session: Session, username: str, password: str) -> User:
    """A new password, and the lockout lifted (people usually ask after locking themselves out)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"密码至少 {MIN_PASSWORD_LENGTH} 位", code="weak_password")
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"用户不存在：{username}", code="unknown_user")
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    return user
