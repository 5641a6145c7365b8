"""Signed form tokens: CSRF protection for the anonymous public form, and its idempotency key.

There is no session to hang a CSRF token on, so the browser gets a random nonce in a SameSite=Strict,
HttpOnly cookie and the form carries `issued.nonce.signature`, an HMAC over the issue time, a token
nonce and the cookie's nonce. Another site can neither read the token nor make the browser send the
cookie with its POST, and a token stolen from one browser is useless with another's cookie.

Each form (one token) gives at most one ticket: the idempotency key is derived from the token, so a
double click or a re-sent POST returns the ticket the first one made.

The HMAC secret lives in Redis (created once, shared by every web process). Flushing Redis only
invalidates forms that were open at that moment; the citizen reloads the page.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import redis.asyncio as aioredis
from aiohttp import web

from ticketing.errors import HotlineError

COOKIE = "hotline_form"
FIELD = "form_token"
SECRET_KEY = "hotline:public:form-secret"
TOKEN_TTL_S = 2 * 3600  # long enough to write a complaint on a phone, short enough to limit replays
COOKIE_MAX_AGE_S = 30 * 24 * 3600


class FormTokenInvalid(HotlineError):
    code = "form_token_invalid"
    http_status = 403


async def _secret(client: aioredis.Redis) -> bytes:
    await client.set(SECRET_KEY, secrets.token_hex(32), nx=True)
    value = await client.get(SECRET_KEY)
    if value is None:  # flushed between the two calls
        return await _secret(client)
    return bytes(value)


def _sign(secret: bytes, issued: int, nonce: str, cookie_nonce: str) -> str:
    return hmac.new(secret, f"{issued}.{nonce}.{cookie_nonce}".encode(), hashlib.sha256).hexdigest()


def cookie_nonce(request: web.Request) -> str:
    """The browser's nonce, or a new one (the caller must then set the cookie on its response)."""
    value = request.cookies.get(COOKIE, "")
    return value if 20 <= len(value) <= 64 and value.isascii() else secrets.token_urlsafe(24)


def set_cookie(request: web.Request, response: web.StreamResponse, nonce: str) -> None:
    if request.cookies.get(COOKIE) != nonce:
        response.set_cookie(
            COOKIE,
            nonce,
            max_age=COOKIE_MAX_AGE_S,
            httponly=True,
            samesite="Strict",
            path="/",
            secure=request.secure,
        )


async def issue(client: aioredis.Redis, nonce_of_cookie: str, now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    nonce = secrets.token_urlsafe(12)
    return f"{issued}.{nonce}.{_sign(await _secret(client), issued, nonce, nonce_of_cookie)}"


async def verify(client: aioredis.Redis, request: web.Request, token: str, now: float | None = None) -> str:
    """The idempotency key for the form, or FormTokenInvalid (expired, forged or another browser's)."""
    parts = token.split(".") if len(token) < 200 else []
    cookie = request.cookies.get(COOKIE, "")
    if len(parts) != 3 or not parts[0].isdigit() or not cookie:
        raise FormTokenInvalid("表单已失效，请刷新页面后重新提交")
    issued, nonce, signature = int(parts[0]), parts[1], parts[2]
    expected = _sign(await _secret(client), issued, nonce, cookie)
    age = (time.time() if now is None else now) - issued
    if not hmac.compare_digest(expected, signature) or not -60 <= age <= TOKEN_TTL_S:
        raise FormTokenInvalid("表单已失效，请刷新页面后重新提交")
    return "form:" + hashlib.sha256(token.encode()).hexdigest()[:48]
