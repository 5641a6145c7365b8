"""The aiohttp application: middlewares (errors, sessions/CSRF) and every route."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
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
    device_api,
    knowledge_api,
    leader_days_api,
    live,
    missed_calls_api,
    open311,
    open_data,
    openapi,
    pages,
    public_api,
    public_leader_days,
    public_pages,
    rating_pages,
    ratings_api,
    suggestions_api,
    surveys_api,
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
    missed_calls_api.add_routes(app)
    worklists_api.add_routes(app)
    surveys_api.add_routes(app)
    dashboard_api.add_routes(app)
    attachments_api.add_routes(app)
    pages.add_routes(app)
    public_pages.add_routes(app)
    public_api.add_routes(app)
    rating_pages.add_routes(app)
    ratings_api.add_routes(app)
    device_api.add_routes(app)
    public_leader_days.add_routes(app)
    leader_days_api.add_routes(app)
    open_data.add_routes(app)
    return app


def use_threads(app: web.Application, threads: int) -> None:
    """Database calls (`asyncio.to_thread`) run in `threads` threads; the default of CPUs + 4 queues
    requests behind a few slow searches long before the database is busy."""

    async def executor(app: web.Application) -> AsyncIterator[None]:
        pool = ThreadPoolExecutor(threads, thread_name_prefix="web-db")
        asyncio.get_running_loop().set_default_executor(pool)
        yield
        pool.shutdown(wait=False, cancel_futures=True)

    app.cleanup_ctx.append(executor)
