"""回访复核: a survey that came back unresolved or unsatisfied waits here until the city platform
either reopens the ticket (重办: back to the unit that handled it, with fresh deadlines) or records
why it does not."""

from __future__ import annotations

from sqlalchemy import select

from dispatch.assignments import LEAD, open_assignment
from dispatch.context import Context
from dispatch.models import Assignment
from dispatch.operators import Operator, require_platform
from dispatch.survey_models import REOPENED, REVIEW, REVIEW_CLOSED, SurveyTask
from ticketing.errors import InvalidInput, NotFound
from ticketing.models import OrgUnit, Ticket
from ticketing.ticket_actions import load_for_update, perform


def _reviewed_tasks(ctx: Context, ticket_id: int) -> list[SurveyTask]:
    tasks = list(
        ctx.session.execute(
            select(SurveyTask)
            .where(SurveyTask.ticket_id == ticket_id, SurveyTask.state == REVIEW)
            .with_for_update()
        ).scalars()
    )
    if not tasks:
        raise NotFound("该工单没有待复核的回访", code="no_survey_review", ticket_id=ticket_id)
    return tasks


def _last_lead(ctx: Context, ticket_id: int) -> Assignment | None:
    """The lead assignment the platform itself dispatched last: the unit that answered for the ticket."""
    return ctx.session.execute(
        select(Assignment)
        .where(Assignment.ticket_id == ticket_id, Assignment.role == LEAD, Assignment.parent_id.is_(None))
        .order_by(Assignment.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def decide(
    ctx: Context,
    operator: Operator,
    ticket_id: int,
    *,
    reopen: bool,
    reason: str,
    unit_id: int | None = None,
) -> Ticket:
    require_platform(operator)
    if not reason.strip():
        raise InvalidInput("复核须说明理由", code="review_reason_required")
    ticket = load_for_update(ctx.session, ticket_id)
    tasks = _reviewed_tasks(ctx, ticket_id)
    task_ids = [task.id for task in tasks]
    if not reopen:
        perform(
            ctx.session,
            ticket,
            "survey_review_closed",
            operator.actor,
            {"reason": reason, "survey_task_ids": task_ids},
            now=ctx.now,
        )
        for task in tasks:
            task.state = REVIEW_CLOSED
        return ticket
    previous = _last_lead(ctx, ticket_id)
    target = unit_id or (previous.unit_id if previous else None)
    unit = ctx.session.get(OrgUnit, target) if target else None
    if unit is None or not unit.active:
        raise InvalidInput("重办须指定承办单位", code="reopen_unit_required")
    assignment = open_assignment(
        ctx,
        ticket,
        unit_id=unit.id,
        role=LEAD,
        dispatched_by_unit_id=operator.unit_id,
        grade=previous.grade if previous else None,
        complex_case=previous.complex if previous else False,
    )
    perform(
        ctx.session,
        ticket,
        "reopen",
        operator.actor,
        {
            "reason": reason,
            "source": "survey",
            "survey_task_ids": task_ids,
            "assignment_id": assignment.id,
            "holder_unit_id": unit.id,
            "reply_due_at": assignment.reply_due_at.isoformat() if assignment.reply_due_at else None,
        },
        now=ctx.now,
    )
    for task in tasks:
        task.state = REOPENED
    return ticket
