"""Per-client request limits, counted in Redis so that every web process behind the proxy shares them.

Each rule is a fixed window: the first request of a client in a window creates a counter that
expires with the window; a request over the limit gets 429 with `Retry-After` (seconds until the
window ends) and a Chinese message. Fixed windows may let through up to twice the limit across a
window boundary; that is accepted for one atomic Redis call per rule and request.

When Redis cannot be reached the request goes through (logged): the public pages stay up, and
logins still meet the per-account lockout, which lives in the database.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis.asyncio as aioredis
from aiohttp import web
from redis.exceptions import RedisError

from ticketing.errors import HotlineError
from web.errors import Handler, error_response
from web.open311_format import GeoReportError
from web.open311_format import error_response as georeport_error
from web.public_html import message_page

log = logging.getLogger(__name__)
PREFIX = "hotline:ratelimit:"
MESSAGE = "请求过于频繁，请 {seconds} 秒后再试"
# Counts the request; the first one in a window makes the counter expire once the window is over.
INCREMENT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""


@dataclass(frozen=True)
class Limit:
    requests: int  # 0: no limit
    window_s: int


@dataclass(frozen=True)
class RateLimits:
    """Defaults fit one citizen's use of the public pages; `hotline/config.py` overrides them."""

    public: Limit = Limit(120, 60)  # every public page and public API call
    public_submit: Limit = Limit(20, 3600)  # new requests from the public form or API
    public_lookup: Limit = Limit(10, 60)  # progress look-ups: guessing 4 digits takes 10 000 tries
    login: Limit = Limit(20, 60)  # password spraying across accounts (each account also locks)
    open311_post: Limit = Limit(60, 60)  # per client IP, whatever API key it uses
    # Rating devices, per client address: a hall behind one NAT address with a few dozen devices,
    # each replaying its offline buffer, stays well under this.
    device: Limit = Limit(3000, 60)
    # Per ticket number, from any address: a botnet guessing one ticket's 4 digits gets 20 tries an
    # hour. The price: such an attack blocks that ticket's web look-up for the hour (not the phone).
    lookup_failures: Limit = Limit(20, 3600)
    forwarded_hops: int = 0  # reverse proxies in front whose X-Forwarded-For entry is trusted
    exempt_paths: tuple[str, ...] = ("/public/static/",)  # files, not work: never counted


RATE_LIMITS_KEY: web.AppKey[RateLimits] = web.AppKey("rate_limits", RateLimits)


def client_address(request: web.Request, forwarded_hops: int) -> str:
    """The client's address as the nearest trusted proxy saw it; an IPv6 client counts as its /64,
    since one home or phone gets a whole /64 and could otherwise rotate addresses freely."""
    address = request.remote or "unknown"
    if forwarded_hops > 0:
        forwarded = request.headers.get("X-Forwarded-For", "")
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(chain) >= forwarded_hops:
            address = chain[-forwarded_hops]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _is_public(path: str) -> bool:
    return path.startswith(("/public/", "/api/public/")) or path == "/public"


def rules_for(request: web.Request, limits: RateLimits) -> list[tuple[str, Limit]]:
    """Which limits a request counts against (none for everything staff use behind a login)."""
    path, method = request.path, request.method
    if path.startswith(limits.exempt_paths):
        return []
    rules: list[tuple[str, Limit]] = []
    if _is_public(path):
        rules.append(("public", limits.public))
        if method == "POST" and path in ("/public/submit", "/api/public/requests"):
            rules.append(("public_submit", limits.public_submit))
        if method == "POST" and path in ("/public/lookup", "/api/public/lookup"):
            rules.append(("public_lookup", limits.public_lookup))
    elif method == "POST" and path == "/api/session":
        rules.append(("login", limits.login))
    elif method == "POST" and path.startswith("/open311/v2/requests."):
        rules.append(("open311_post", limits.open311_post))
    elif path.startswith("/device/"):
        rules.append(("device", limits.device))
    return [(name, limit) for name, limit in rules if limit.requests > 0]


class RateLimited(HotlineError):
    code = "rate_limited"
    http_status = 429

    def __init__(self, seconds: int) -> None:
        super().__init__(MESSAGE.format(seconds=seconds), retry_after=seconds)
        self.seconds = seconds


class RateLimiter:
    def __init__(self, client: aioredis.Redis, clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.script = client.register_script(INCREMENT)
        self.clock = clock

    def _key(self, rule: str, subject: str, limit: Limit) -> tuple[str, int]:
        """The window's counter and the seconds until the next window starts afresh."""
        now = self.clock()
        window = int(now // limit.window_s)
        return f"{PREFIX}{rule}:{subject}:{window}", max(1, math.ceil((window + 1) * limit.window_s - now))

    async def used_up(self, rule: str, subject: str, limit: Limit) -> int | None:
        """Seconds to wait when `subject` has no tries left in this window; counts nothing."""
        if limit.requests <= 0:
            return None
        key, seconds = self._key(rule, subject, limit)
        count = await self.client.get(key)
        return seconds if count is not None and int(count) >= limit.requests else None

    async def count(self, rule: str, subject: str, limit: Limit) -> None:
        if limit.requests > 0:
            key, _ = self._key(rule, subject, limit)
            await self.script(keys=[key], args=[limit.window_s])

    async def retry_after(self, rule: str, client: str, limit: Limit) -> int | None:
        """None when the request is within `limit`, else the seconds until the client may retry."""
        key, seconds = self._key(rule, client, limit)
        count = await self.script(keys=[key], args=[limit.window_s])
        return None if int(count) <= limit.requests else seconds


RATE_LIMITER_KEY: web.AppKey[RateLimiter] = web.AppKey("rate_limiter", RateLimiter)


def _refusal(request: web.Request, seconds: int) -> web.Response:
    message = MESSAGE.format(seconds=seconds)
    if request.path.startswith("/open311/"):
        fmt = "xml" if request.path.endswith(".xml") else "json"
        response = georeport_error(fmt, GeoReportError(429, "rate_limited", message))
    elif request.path.startswith("/public/"):
        response = message_page("请求过于频繁", message, status=429)
    else:
        response = error_response(429, "rate_limited", message, retry_after=seconds)
    response.headers["Retry-After"] = str(seconds)
    return response


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    limits = request.app[RATE_LIMITS_KEY]
    rules = rules_for(request, limits)
    if rules:
        limiter = request.app[RATE_LIMITER_KEY]
        client = client_address(request, limits.forwarded_hops)
        for name, limit in rules:
            try:
                seconds = await limiter.retry_after(name, client, limit)
            except RedisError as error:
                log.warning("rate limit not checked (redis unavailable): %s", error)
                break
            if seconds is not None:
                return _refusal(request, seconds)
    return await handler(request)
