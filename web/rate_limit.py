"""Per-client request limits, counted in Redis so that every web process behind the proxy shares them.

Each rule is a sliding window: Redis keeps, per rule and client, the times of the requests it let
through in the last `window_s` seconds (a sorted set, trimmed on every call). A request beyond the
limit gets 429 with `Retry-After` (seconds until the oldest counted request leaves the window) and a
Chinese message, and is not itself counted, so a client that keeps knocking is let in again as soon
as its window has room. Unlike clock-aligned windows this never lets twice the limit through around
a boundary; a rule costs one atomic Redis call per request and at most `requests` entries per client.

When Redis cannot be reached the request goes through (logged): the public pages stay up, and
logins still meet the per-account lockout, which lives in the database.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
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
# KEYS[1]: the sorted set of counted request times. ARGV: now, window, limit, member, and which
# requests to record: 'fitting' (those let through), 'always' or 'never'.
# Returns 0 when one more request fits, else whole seconds until it would.
SLIDE = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local fits = redis.call('ZCARD', KEYS[1]) < limit
if ARGV[5] == 'always' or (fits and ARGV[5] == 'fitting') then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('EXPIRE', KEYS[1], math.ceil(window))
end
if fits then return 0 end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, math.ceil(tonumber(oldest[2]) + window - now))
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
        self.script = client.register_script(SLIDE)
        self.clock = clock

    async def _slide(self, rule: str, subject: str, limit: Limit, record: str) -> int:
        """Seconds until `subject` may make one more request under `limit` (0: now); `record` says
        whether this request is counted: "fitting" (if let through), "always" or "never"."""
        if limit.requests <= 0:
            return 0
        now = self.clock()
        member = f"{now:.6f}:{secrets.token_hex(4)}"  # two requests in one microsecond both count
        wait = await self.script(
            keys=[f"{PREFIX}{rule}:{subject}"], args=[now, limit.window_s, limit.requests, member, record]
        )
        return int(wait)

    async def used_up(self, rule: str, subject: str, limit: Limit) -> int | None:
        """Seconds to wait when `subject` has no tries left in the window; counts nothing."""
        return await self._slide(rule, subject, limit, "never") or None

    async def count(self, rule: str, subject: str, limit: Limit) -> None:
        """Records one try of `subject` whatever the count (failed look-ups always count)."""
        await self._slide(rule, subject, limit, "always")

    async def retry_after(self, rule: str, client: str, limit: Limit) -> int | None:
        """None when the request is within `limit` (it is then counted), else the seconds to wait."""
        return await self._slide(rule, client, limit, "fitting") or None


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
