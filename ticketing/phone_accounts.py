"""Agents' phone accounts: set, remove and list the SIP credentials their phones register with.

SIP digest authentication (RFC 2617/3261) is built on MD5 of "username:realm:password" (HA1). Kamailio's
auth_db checks registrations against that HA1, so it is what we store — never the password, which is
shown once. MD5 here is the protocol's requirement, not a choice for our own logins (argon2).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.errors import InvalidInput, NotFound
from ticketing.models import PhoneAccount, User, utcnow
from ticketing.vocabulary import Role

MIN_PHONE_PASSWORD_LENGTH = 10
PHONE_ROLES = frozenset({Role.AGENT.value, Role.LEADER.value})


@dataclass(frozen=True)
class Subscriber:
    """What the edge needs to authenticate one phone."""

    username: str
    realm: str
    ha1: str


def digest_ha1(username: str, realm: str, password: str) -> str:
    return hashlib.md5(f"{username}:{realm}:{password}".encode()).hexdigest()


def _user(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise NotFound(f"用户不存在：{username}", code="unknown_user")
    return user


def set_phone_password(session: Session, username: str, realm: str, password: str | None = None) -> str:
    """Give the user's phone a new password (generated when none is given) and return it."""
    user = _user(session, username)
    if user.role not in PHONE_ROLES:
        raise InvalidInput(f"只有话务员和领导可以登记话机：{username}", code="no_phone_for_role")
    password = password if password is not None else secrets.token_urlsafe(12)
    if len(password) < MIN_PHONE_PASSWORD_LENGTH or ":" in password:
        raise InvalidInput(
            f"话机密码至少 {MIN_PHONE_PASSWORD_LENGTH} 位，且不含冒号", code="weak_phone_password"
        )
    account = session.get(PhoneAccount, user.id)
    if account is None:
        account = PhoneAccount(user_id=user.id)
        session.add(account)
    account.realm, account.ha1, account.updated_at = realm, digest_ha1(username, realm, password), utcnow()
    session.flush()
    return password


def remove_phone(session: Session, username: str) -> bool:
    """The phone can no longer register (it stays reachable until its registration expires)."""
    account = session.get(PhoneAccount, _user(session, username).id)
    if account is None:
        return False
    session.delete(account)
    session.flush()
    return True


def has_phone(session: Session, user_id: int) -> bool:
    return session.get(PhoneAccount, user_id) is not None


def subscribers(session: Session) -> list[Subscriber]:
    """Every active user's phone account, for the edge's subscriber table."""
    rows = session.execute(
        select(User.username, PhoneAccount.realm, PhoneAccount.ha1)
        .join(PhoneAccount, PhoneAccount.user_id == User.id)
        .where(User.active.is_(True))
        .order_by(User.username)
    )
    return [Subscriber(*row) for row in rows]
