"""Server-side sessions in Redis: the browser holds only a random token (HttpOnly cookie); the
session holds the user id and the CSRF token. A new token is issued at every login, so a token
planted before login (session fixation) is worth nothing after it.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

import redis.asyncio as aioredis

SESSION_TTL_S = 8 * 3600  # one shift
PREFIX = "hotline:session:"


@dataclass(frozen=True)
class SessionData:
    token: str
    user_id: int
    csrf_token: str
    stamp: str


class SessionStore:
    def __init__(self, client: aioredis.Redis) -> None:
        self.client = client

    async def create(self, user_id: int, stamp: str) -> SessionData:
        data = SessionData(secrets.token_urlsafe(32), user_id, secrets.token_urlsafe(32), stamp)
        value = {"user_id": user_id, "csrf": data.csrf_token, "stamp": stamp}
        await self.client.set(PREFIX + data.token, json.dumps(value), ex=SESSION_TTL_S)
        return data

    async def get(self, token: str) -> SessionData | None:
        if not token or len(token) > 100:
            return None
        raw = await self.client.get(PREFIX + token)
        if raw is None:
            return None
        await self.client.expire(PREFIX + token, SESSION_TTL_S)  # sliding expiry while in use
        value = json.loads(raw)
        return SessionData(token, int(value["user_id"]), value["csrf"], value.get("stamp", ""))

    async def delete(self, token: str) -> None:
        await self.client.delete(PREFIX + token)
