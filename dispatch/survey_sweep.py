"""The survey sweep (cron, every minute): schedule newly closed tickets, send the due dial commands.

Idempotent and derived from the database: a flushed Redis or a killed worker only delays a survey —
a dial command that never reports back is settled as a lost attempt after `stale_after`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import redis

from dispatch.context import dispatch_context
from dispatch.surveys import RESULT_JOB, SurveyPolicy, issue_due, schedule_for, unscheduled_closed_tickets
from ticketing.call_bus import send_command
from ticketing.db import Database


@dataclass(frozen=True)
class SweepReport:
    scheduled: int
    issued: list[str]  # request ids


def survey_sweep(
    db: Database, client: redis.Redis, policy: SurveyPolicy, now: datetime | None = None
) -> SweepReport:
    with dispatch_context(db, now) as ctx:
        scheduled = sum(len(schedule_for(ctx, t, policy)) for t in unscheduled_closed_tickets(ctx))
        requests = issue_due(ctx, policy)
    # After commit: a command lost here is found stale by a later sweep, never dialled twice.
    for request in requests:
        send_command(
            client,
            "survey",
            request_id=request.request_id,
            number=request.number,
            ring_seconds=policy.ring_seconds,
            report_job=RESULT_JOB,
        )
    return SweepReport(scheduled, [request.request_id for request in requests])
