"""`hotline worker` (an RQ worker with RQ's scheduler) and `hotline cron` (RQ's cron scheduler, which
enqueues the periodic jobs: the supervision and survey sweeps every minute, the ratings sweep)."""

from __future__ import annotations

from datetime import timedelta

import redis
from rq import Queue, Worker
from rq.cron import CronScheduler

from dispatch import jobs as dispatch_jobs
from dispatch.surveys import SurveyPolicy
from hotline.config import ConfigError, Settings
from telephony import jobs as telephony_jobs
from telephony.hours import HoursError, parse_hours


def survey_policy(settings: Settings) -> SurveyPolicy:
    try:
        hours = parse_hours(settings.survey_hours)
    except HoursError as error:
        raise ConfigError(f"survey_hours: {error}") from None
    if hours is None or hours[0] > hours[1]:
        raise ConfigError(
            f"survey_hours: a daytime window such as 09:00-20:00, got {settings.survey_hours!r}"
        )
    if settings.survey_attempts < 1:
        raise ConfigError(f"survey_attempts: at least 1, got {settings.survey_attempts}")
    return SurveyPolicy(
        delay=timedelta(minutes=settings.survey_delay_minutes),
        hours=hours,
        attempts=settings.survey_attempts,
        retry_after=timedelta(minutes=settings.survey_retry_minutes),
        ring_seconds=settings.survey_ring_seconds,
        dial=bool(settings.gateway_uri_template),
    )


# Highest priority first: an RQ worker drains the first queue before looking at the next.
QUEUES = ("high", "default", "low")


def run_worker(settings: Settings, *, burst: bool = False) -> None:
    dispatch_jobs.configure(settings.effective_database_url, settings.suggesters_dir, survey_policy(settings))
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
        dispatch_jobs.survey_sweep_job,
        queue_name="high",
        interval=dispatch_jobs.SWEEP_INTERVAL_S,
        job_timeout=300,
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
