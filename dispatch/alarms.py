"""The timer of one assignment: which stage's deadline runs, and when its next card falls due.

Stored on the assignment (`next_alarm_*`), recomputed whenever the assignment changes stage or
deadline, and consumed by the supervision sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from dispatch.context import Context
from dispatch.models import Assignment, SupervisionNotice
from dispatch.policy import CLOCK_MINUTES, warning_time

AWAITING_DISPATCH = "awaiting_dispatch"
PENDING = "pending"  # 待签收
SIGNED = "signed"  # 办理中
FORWARDED = "forwarded"  # signed, and sent one level down
REPLIED = "replied"
OPEN_STATUSES = (AWAITING_DISPATCH, PENDING, SIGNED, FORWARDED)


@dataclass(frozen=True)
class StageClock:
    stage: str
    start: datetime
    due: datetime


def running_clock(assignment: Assignment) -> StageClock | None:
    if assignment.status == AWAITING_DISPATCH and assignment.dispatch_due_at:
        return StageClock("dispatch", assignment.dispatched_at, assignment.dispatch_due_at)
    if assignment.status == PENDING and assignment.sign_due_at:
        return StageClock("sign", assignment.dispatched_at, assignment.sign_due_at)
    if assignment.status in (SIGNED, FORWARDED) and assignment.reply_due_at:
        return StageClock("reply", assignment.dispatched_at, assignment.reply_due_at)
    return None


def _issued(ctx: Context, assignment_id: int, stage: str) -> set[str]:
    return set(
        ctx.session.execute(
            select(SupervisionNotice.kind).where(
                SupervisionNotice.assignment_id == assignment_id, SupervisionNotice.stage == stage
            )
        ).scalars()
    )


def _resolve_finished_stages(ctx: Context, assignment: Assignment, running_stage: str | None) -> None:
    """Cards of a stage that is over (signed, replied, ended) leave the supervisor's board."""
    finished = [
        SupervisionNotice.assignment_id == assignment.id,
        SupervisionNotice.resolved_at.is_(None),
    ]
    if running_stage is not None:
        finished.append(SupervisionNotice.stage != running_stage)
    # No session synchronisation: notices are not held in the session, and evaluating the criteria
    # against every object in it would cost more than the UPDATE.
    ctx.session.execute(
        update(SupervisionNotice).where(*finished).values(resolved_at=ctx.now),
        execution_options={"synchronize_session": False},
    )


def schedule_next_alarm(ctx: Context, assignment: Assignment) -> None:
    clock = running_clock(assignment)
    assignment.next_alarm_at = assignment.next_alarm_kind = assignment.next_alarm_stage = None
    if assignment.id is not None:
        _resolve_finished_stages(ctx, assignment, clock.stage if clock else None)
    if clock is None:
        return
    issued = _issued(ctx, assignment.id, clock.stage) if assignment.id else set()
    stage_grade = "complex" if assignment.complex and clock.stage == "reply" else assignment.grade
    limit = (
        ctx.policy.limits.get((stage_grade, clock.stage))
        or ctx.policy.limits[(assignment.grade, clock.stage)]
    )
    if "yellow" not in issued and "red" not in issued:
        at = warning_time(
            ctx.calendar, ctx.policy, clock.start, clock.due, working_time=limit.unit != CLOCK_MINUTES
        )
        assignment.next_alarm_at, assignment.next_alarm_kind = at, "yellow"
    elif "red" not in issued:
        assignment.next_alarm_at, assignment.next_alarm_kind = clock.due, "red"
    else:
        return
    assignment.next_alarm_stage = clock.stage
