"""Opening and ending assignments, with their deadlines from the policy and their alarm scheduled."""

from __future__ import annotations

from sqlalchemy import select

from dispatch.alarms import AWAITING_DISPATCH, OPEN_STATUSES, PENDING, schedule_next_alarm
from dispatch.context import Context
from dispatch.models import Assignment
from ticketing.errors import NotFound
from ticketing.models import Ticket

PLATFORM = "platform"
LEAD = "lead"
HELPER = "helper"


def open_assignment(
    ctx: Context,
    ticket: Ticket,
    *,
    unit_id: int,
    role: str,
    dispatched_by_unit_id: int,
    parent: Assignment | None = None,
    grade: str | None = None,
    complex_case: bool = False,
    final: bool = False,
) -> Assignment:
    grade = grade or ticket.grade
    assignment = Assignment(
        ticket_id=ticket.id,
        unit_id=unit_id,
        role=role,
        parent_id=parent.id if parent else None,
        dispatched_by_unit_id=dispatched_by_unit_id,
        grade=grade,
        complex=complex_case,
        final=final,
        extension_count=0,
        dispatched_at=ctx.now,
    )
    if role == PLATFORM:
        assignment.status = AWAITING_DISPATCH
        assignment.dispatch_due_at = ctx.policy.limit(grade, "dispatch").deadline(ctx.calendar, ctx.now)
    else:
        assignment.status = PENDING
        assignment.sign_due_at = ctx.policy.limit(grade, "sign").deadline(ctx.calendar, ctx.now)
        reply_limit = ctx.policy.limit(grade, "reply", complex_case=complex_case)
        assignment.reply_due_at = reply_limit.deadline(ctx.calendar, ctx.now)
    ctx.session.add(assignment)
    ctx.session.flush()
    schedule_next_alarm(ctx, assignment)
    return assignment


def end_assignment(ctx: Context, assignment: Assignment, status: str) -> None:
    assignment.status = status
    assignment.ended_at = ctx.now
    schedule_next_alarm(ctx, assignment)  # no clock runs any more: clears the timer


def get_assignment(ctx: Context, assignment_id: int) -> Assignment:
    assignment = ctx.session.execute(
        select(Assignment).where(Assignment.id == assignment_id).with_for_update()
    ).scalar_one_or_none()
    if assignment is None:
        raise NotFound(f"派单任务不存在：{assignment_id}", code="assignment_not_found")
    return assignment


def open_assignments(ctx: Context, ticket_id: int) -> list[Assignment]:
    return list(
        ctx.session.execute(
            select(Assignment)
            .where(Assignment.ticket_id == ticket_id, Assignment.status.in_(OPEN_STATUSES))
            .order_by(Assignment.id)
        ).scalars()
    )


def holder_assignment(ctx: Context, ticket: Ticket) -> Assignment | None:
    """The open assignment through which the holder unit acts on the ticket now."""
    for assignment in open_assignments(ctx, ticket.id):
        if assignment.unit_id == ticket.holder_unit_id and assignment.role in (PLATFORM, LEAD):
            return assignment
    return None
