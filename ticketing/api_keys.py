"""API keys of integrating systems (Open311 clients): issued once, stored only as a hash, revocable.

A key is 32 random bytes (URL-safe text). Only its SHA-256 and a short prefix are stored: the prefix
lets an operator recognise a key in a log line without the table ever holding the key itself. Keys
are random, not chosen by people, so a fast unsalted hash is enough (nothing to brute-force).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.errors import Conflict, InvalidInput, NotFound
from ticketing.models import ApiKey, utcnow

KEY_BYTES = 32
PREFIX_CHARS = 8
MAX_NAME_CHARS = 100
# Generous upper bound on what a caller may send as a key: longer input is refused before hashing.
MAX_KEY_CHARS = 256


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _clean_name(name: str) -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise InvalidInput("密钥名称不能为空", code="api_key_name_required")
    if len(cleaned) > MAX_NAME_CHARS:
        raise InvalidInput(f"密钥名称过长：最多 {MAX_NAME_CHARS} 字", code="api_key_name_too_long")
    return cleaned


def _by_name(session: Session, name: str) -> ApiKey | None:
    return session.execute(select(ApiKey).where(ApiKey.name == name)).scalar_one_or_none()


def issue_key(session: Session, name: str, *, now: datetime | None = None) -> str:
    """Create a key for `name` and return it; this is the only time the key itself exists in clear.

    Names stay unique also after a revocation, so the audit trail of a name never means two keys.
    """
    name = _clean_name(name)
    if _by_name(session, name) is not None:
        raise Conflict(f"密钥名称已存在：{name}", code="api_key_name_taken")
    key = secrets.token_urlsafe(KEY_BYTES)
    session.add(
        ApiKey(name=name, key_hash=hash_key(key), prefix=key[:PREFIX_CHARS], created_at=now or utcnow())
    )
    session.flush()
    return key


def verify_key(session: Session, key: str, *, now: datetime | None = None) -> ApiKey | None:
    """The active key matching `key` (and its last use recorded), or None for unknown or revoked keys.

    The lookup is by hash, so response time does not depend on how much of a guess matches a stored
    key; the final comparison is constant-time anyway, in case the database compares strings early-out.
    """
    if not key or len(key) > MAX_KEY_CHARS:
        return None
    digest = hash_key(key)
    row = session.execute(select(ApiKey).where(ApiKey.key_hash == digest)).scalar_one_or_none()
    if row is None or not hmac.compare_digest(row.key_hash, digest) or row.revoked_at is not None:
        return None
    row.last_used_at = now or utcnow()
    return row


def find_key(session: Session, key: str) -> ApiKey | None:
    """The row for `key` whether revoked or not (no write): lets callers tell 'revoked' from 'unknown'."""
    if not key or len(key) > MAX_KEY_CHARS:
        return None
    return session.execute(select(ApiKey).where(ApiKey.key_hash == hash_key(key))).scalar_one_or_none()


def revoke_key(session: Session, name: str, *, now: datetime | None = None) -> ApiKey:
    """Revoke the key named `name`; revoking an already revoked key keeps its first revocation time."""
    row = _by_name(session, _clean_name(name))
    if row is None:
        raise NotFound(f"密钥不存在：{name}", code="api_key_not_found")
    if row.revoked_at is None:
        row.revoked_at = now or utcnow()
    return row


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.execute(select(ApiKey).order_by(ApiKey.name)).scalars())
