"""Checking a username and password, with lockout after repeated failures.

Failures are counted on the user row, so a lockout holds across web instances and restarts. The same
error answers an unknown user and a wrong password, so the login form does not reveal which
usernames exist.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.errors import HotlineError
from ticketing.models import User
from ticketing.passwords import hash_password, needs_rehash, verify_password

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
# Verifying against a real hash for unknown users keeps their timing like a wrong password's.
_DUMMY_HASH = hash_password("not a password anyone has")


class AuthenticationFailed(HotlineError):
    code = "bad_credentials"
    http_status = 401


class AccountLocked(HotlineError):
    code = "account_locked"
    http_status = 423


def authenticate(session: Session, username: str, password: str, now: datetime) -> User | HotlineError:
    """The user, or the error to raise *after* committing: a failed attempt must still be counted."""
    user = session.execute(
        select(User).where(User.username == username).with_for_update()
    ).scalar_one_or_none()
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)
        return AuthenticationFailed("用户名或密码错误")
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60))
        return AccountLocked(f"登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试")
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.failed_logins, user.locked_until = 0, now + LOCKOUT
        return AuthenticationFailed("用户名或密码错误")
    user.failed_logins, user.locked_until = 0, None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user
