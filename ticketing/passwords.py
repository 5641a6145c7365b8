"""Password hashing with Argon2id (argon2-cffi's recommended parameters)."""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def credential_stamp(password_hash: str) -> str:
    """Changes whenever the password does: a session remembers it, so a reset ends older sessions."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]
