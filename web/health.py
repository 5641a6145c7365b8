"""`GET /healthz`: is the database reachable and migrated, and does Redis answer?"""

from __future__ import annotations

import asyncio
from typing import Any

import redis.asyncio as aioredis
from aiohttp import web

from ticketing.db import Database
from web.keys import DB_KEY, REDIS_KEY

CHECK_TIMEOUT_S = 3.0


async def _check_database(db: Database) -> dict[str, Any]:
    try:
        await asyncio.wait_for(asyncio.to_thread(db.ping), CHECK_TIMEOUT_S)
        return {"ok": True, "backend": db.dialect}
    except Exception as error:  # reported, not raised: health must answer while parts are down
        return {"ok": False, "backend": db.dialect, "error": f"{type(error).__name__}: {error}"[:300]}


async def _check_redis(client: aioredis.Redis) -> dict[str, Any]:
    try:
        await asyncio.wait_for(client.ping(), CHECK_TIMEOUT_S)
        return {"ok": True}
    except Exception as error:
        return {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}


async def healthz(request: web.Request) -> web.Response:
    database, redis_status = await asyncio.gather(
        _check_database(request.app[DB_KEY]), _check_redis(request.app[REDIS_KEY])
    )
    healthy = database["ok"] and redis_status["ok"]
    body = {"status": "ok" if healthy else "degraded", "database": database, "redis": redis_status}
    return web.json_response(body, status=200 if healthy else 503)
