"""The aiohttp application: middlewares (errors, sessions/CSRF) and every route."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import redis.asyncio as aioredis
from aiohttp import web

from ticketing.db import Database
from web import (
    admin_api,
    agent_api,
    attachments_api,
    auth,
    dashboard_api,
    knowledge_api,
    live,
    open311,
    open_data,
    openapi,
    pages,
    public_api,
    public_pages,
    suggestions_api,
    ticket_export,
    tickets_api,
    worklists_api,
)
from web.errors import error_middleware
from web.health import healthz
from web.keys import DATA_DIR_KEY, DB_KEY, REDIS_KEY, REDIS_URL_KEY
from web.rate_limit import RATE_LIMITER_KEY, RATE_LIMITS_KEY, RateLimiter, RateLimits, rate_limit_middleware
from web.sessions import SessionStore

MAX_REQUEST_BYTES = 25 * 2**20  # attachments up to 20 MB plus form overhead


def create_app(
    db: Database, redis_url: str, data_dir: Path | None = None, rate_limits: RateLimits | None = None
) -> web.Application:
    app = web.Application(
        # Rate limits first: a refused request costs one Redis call, no session or database work.
        middlewares=[error_middleware, rate_limit_middleware, auth.session_middleware],
        client_max_size=MAX_REQUEST_BYTES,
    )
    app[DB_KEY] = db
    app[REDIS_URL_KEY] = redis_url
    app[DATA_DIR_KEY] = data_dir or Path("var")
    app[RATE_LIMITS_KEY] = rate_limits or RateLimits()

    async def redis_client(app: web.Application) -> AsyncIterator[None]:
        app[REDIS_KEY] = aioredis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        app[auth.SESSIONS_KEY] = SessionStore(app[REDIS_KEY])
        app[RATE_LIMITER_KEY] = RateLimiter(app[REDIS_KEY])
        yield
        await app[REDIS_KEY].aclose()

    app.cleanup_ctx.append(redis_client)
    app.router.add_get("/healthz", healthz)
    auth.add_routes(app)
    ticket_export.add_routes(app)  # before tickets_api: its {ticket_id} would match export.csv
    tickets_api.add_routes(app)
    open311.add_routes(app)
    knowledge_api.add_routes(app)
    suggestions_api.add_routes(app)
    admin_api.add_routes(app)
    openapi.add_routes(app)
    live.add_routes(app)
    agent_api.add_routes(app)
    worklists_api.add_routes(app)
    dashboard_api.add_routes(app)
    attachments_api.add_routes(app)
    pages.add_routes(app)
    public_pages.add_routes(app)
    public_api.add_routes(app)
    open_data.add_routes(app)
    return app
