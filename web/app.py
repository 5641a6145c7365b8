"""The aiohttp application: routes are added here as the consoles and APIs grow."""

from __future__ import annotations

from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from aiohttp import web

from ticketing.db import Database
from web.health import DB_KEY, REDIS_KEY, healthz


def create_app(db: Database, redis_url: str) -> web.Application:
    app = web.Application()
    app[DB_KEY] = db

    async def redis_client(app: web.Application) -> AsyncIterator[None]:
        app[REDIS_KEY] = aioredis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        yield
        await app[REDIS_KEY].aclose()

    app.cleanup_ctx.append(redis_client)
    app.router.add_get("/healthz", healthz)
    return app
