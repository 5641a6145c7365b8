"""Background jobs of the dispatch package, run by RQ workers; the cron scheduler enqueues the sweep.

A worker process is told its database once (`configure`); each job opens and closes its own engine,
because RQ runs jobs in forked work-horses and connections must not cross a fork.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from dispatch.context import dispatch_context
from dispatch.rating_sweep import rating_sweep
from dispatch.supervision import sweep
from dispatch.survey_sweep import survey_sweep
from dispatch.surveys import SurveyPolicy, settle_result
from dispatch.training import retrain_from_database
from ticketing.db import Database

SWEEP_INTERVAL_S = 60
RATING_SWEEP_INTERVAL_S = 300  # default ratings are days-scale; stuck 差评 are rare
RETRAIN_CRON = "30 2 * * *"  # nightly, when the lines are quiet
_database_url: str | None = None
_models_dir: Path | None = None
_survey_policy = SurveyPolicy()


def configure(
    database_url: str, models_dir: Path | None = None, survey_policy: SurveyPolicy | None = None
) -> None:
    global _database_url, _models_dir, _survey_policy
    _database_url, _models_dir = database_url, models_dir
    _survey_policy = survey_policy or SurveyPolicy()


@contextmanager
def _opened() -> Iterator[Database]:
    """This job's own database handle, disposed when the job ends (a worker runs many jobs)."""
    if _database_url is None:
        raise RuntimeError("dispatch.jobs.configure(database_url) was not called in this worker")
    db = Database(_database_url)
    try:
        yield db
    finally:
        db.dispose()


def sweep_job(now_iso: str | None = None) -> dict[str, Any]:
    """One supervision sweep; `now_iso` freezes the clock (tests, replays)."""
    with _opened() as db:
        report = sweep(db, datetime.fromisoformat(now_iso) if now_iso else None)
        return {"adopted": report.adopted, "fired": report.fired}


def retrain_job() -> dict[str, Any]:
    """Retrain the type, category and unit suggesters on the finished tickets (overrides included)."""
    if _models_dir is None:
        raise RuntimeError("dispatch.jobs.configure(..., models_dir) was not called in this worker")
    with _opened() as db:
        return {target: count for target, count in retrain_from_database(db, _models_dir).items()}


def survey_sweep_job(now_iso: str | None = None) -> dict[str, Any]:
    """Schedule surveys for closed tickets and send the due dial commands on this job's Redis."""
    from rq import get_current_job

    job = get_current_job()
    if job is None:
        raise RuntimeError("survey_sweep_job runs inside an RQ worker")
    with _opened() as db:
        now = datetime.fromisoformat(now_iso) if now_iso else None
        report = survey_sweep(db, job.connection, _survey_policy, now)
        return {"scheduled": report.scheduled, "issued": report.issued}


def survey_result_job(result: dict[str, Any]) -> dict[str, Any]:
    """A telephony worker's report on one survey call (enqueued by name: telephony never imports us)."""
    with _opened() as db, dispatch_context(db) as ctx:
        task = settle_result(ctx, _survey_policy, result)
        return {"task_id": task.id if task else None, "state": task.state if task else None}


def rating_sweep_job(now_iso: str | None = None) -> dict[str, Any]:
    """Finish half-made 差评 tickets and give unrated closed tickets their default 基本满意."""
    with _opened() as db:
        report = rating_sweep(db, datetime.fromisoformat(now_iso) if now_iso else None)
        return {"routed": report.routed, "defaulted": report.defaulted}
