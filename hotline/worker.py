"""`hotline worker` (an RQ worker with RQ's scheduler) and `hotline cron` (RQ's cron scheduler, which
enqueues the periodic jobs: the supervision sweep every minute, the ratings sweep)."""

from __future__ import annotations

import redis
from rq import Queue, Worker
from rq.cron import CronScheduler

from dispatch import jobs as dispatch_jobs
from hotline.config import Settings
from telephony import jobs as telephony_jobs

# Highest priority first: an RQ worker drains the first queue before looking at the next.
QUEUES = ("high", "default", "low")


def run_worker(settings: Settings, *, burst: bool = False) -> None:
    dispatch_jobs.configure(settings.effective_database_url, settings.suggesters_dir)
    telephony_jobs.configure(
        settings.effective_database_url, settings.data_dir.resolve(), settings.telephony_voice_model
    )
    connection = redis.Redis.from_url(settings.effective_redis_url)
    queues = [Queue(name, connection=connection) for name in QUEUES]
    Worker(queues, connection=connection).work(
        burst=burst, with_scheduler=True, logging_level=settings.log_level
    )


def run_cron(settings: Settings) -> None:
    connection = redis.Redis.from_url(settings.effective_redis_url)
    scheduler = CronScheduler(connection=connection, logging_level=settings.log_level, name="hotline-cron")
    scheduler.register(
        dispatch_jobs.sweep_job, queue_name="high", interval=dispatch_jobs.SWEEP_INTERVAL_S, job_timeout=300
    )
    scheduler.register(
        dispatch_jobs.rating_sweep_job,
        queue_name="default",
        interval=dispatch_jobs.RATING_SWEEP_INTERVAL_S,
        job_timeout=600,
    )
    scheduler.register(
        dispatch_jobs.retrain_job, queue_name="low", cron=dispatch_jobs.RETRAIN_CRON, job_timeout=3600
    )
    scheduler.start()
