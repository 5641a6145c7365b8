"""`hotline worker`: an RQ worker with RQ's scheduler, for background jobs and delayed jobs."""

from __future__ import annotations

import redis
from rq import Queue, Worker

from hotline.config import Settings

# Highest priority first: an RQ worker drains the first queue before looking at the next.
QUEUES = ("high", "default", "low")


def run_worker(settings: Settings, *, burst: bool = False) -> None:
    connection = redis.Redis.from_url(settings.effective_redis_url)
    queues = [Queue(name, connection=connection) for name in QUEUES]
    Worker(queues, connection=connection).work(
        burst=burst, with_scheduler=True, logging_level=settings.log_level
    )
