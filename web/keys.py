"""Typed keys for what the application and each request carry."""

from __future__ import annotations

from pathlib import Path

import redis.asyncio as aioredis
from aiohttp import web

from ticketing.db import Database

DB_KEY: web.AppKey[Database] = web.AppKey("database", Database)
REDIS_KEY: web.AppKey[aioredis.Redis] = web.AppKey("redis", aioredis.Redis)
DATA_DIR_KEY: web.AppKey[Path] = web.AppKey("data_dir", Path)
REDIS_URL_KEY: web.AppKey[str] = web.AppKey("redis_url", str)
