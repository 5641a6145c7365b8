"""审核: the level that dispatched a reply reviews it. Accepting passes the reply up one level; at the
platform it closes the ticket (办结) and merged duplicates hear the answer too. Rejecting sends it
back to the unit with a reason and a fresh reply deadline, counted as 重办."""

from __future__ import annotations

from sqlalchemy import select

from dispatch.alarms import FORWARDED, REPLIED, SIGNED, schedule_next_alarm
from dispatch.assignments import LEAD, end_assignment, open_assignments
from dispatch.context import Context
from dispatch.models import Assignment
from dispatch.operators import Operator, require_dispatcher_of
from dispatch.withdrawal import tell_merged_children
from ticketing.errors import IllegalTransition, InvalidInput, NotFound
from ticketing.models import Ticket
from ticketing.ticket_actions import load_for_update, perform
from ticketing.vocabulary import TicketStatus


def reply_under_review(ctx: Context, ticket_id: int) -> Assignment:
    """The lowest replied lead assignment whose parent has not passed it on yet."""
    rows = ctx.session.execute(
        select(Assignment)
        .where(Assignment.ticket_id == ticket_id, Assignment.role == LEAD, Assignment.status == REPLIED)
        .order_by(Assignment.id.desc())
        .with_for_update()
    ).scalars()
    for row in rows:
        return row
    raise NotFound("该工单没有待审核的回复", code="nothing_to_review")


def review(ctx: Context, operator: Operator, ticket_id: int, *, accept: bool, reason: str = "") -> Ticket:
    ticket = load_for_update(ctx.session, ticket_id)
    if ticket.status != TicketStatus.REPLIED.value:
        raise IllegalTransition("该工单不是待审核状态", code="not_awaiting_review", status=ticket.status)
    assignment = reply_under_review(ctx, ticket_id)
    require_dispatcher_of(operator, assignment.dispatched_by_unit_id)
    if not accept:
        return _reject(ctx, operator, ticket, assignment, reason)
    parent = ctx.session.get(Assignment, assignment.parent_id) if assignment.parent_id else None
    end_assignment(ctx, assignment, "accepted")
    if parent is not None and parent.status == FORWARDED:
        parent.status, parent.replied_at = REPLIED, ctx.now
        parent.reply_text, parent.resolved = assignment.reply_text, assignment.resolved
        schedule_next_alarm(ctx, parent)
        perform(
            ctx.session,
            ticket,
            "review_pass",
            operator.actor,
            {
                "assignment_id": assignment.id,
                "passed_to_assignment_id": parent.id,
                "holder_unit_id": parent.unit_id,
                "note": reason,
            },
            now=ctx.now,
        )
        return ticket
    for other in open_assignments(ctx, ticket.id):
        end_assignment(ctx, other, "closed")
    perform(
        ctx.session,
        ticket,
        "close",
        operator.actor,
        {
            "assignment_id": assignment.id,
            "reply": assignment.reply_text,
            "resolved": assignment.resolved,
            "note": reason,
            "holder_unit_id": assignment.dispatched_by_unit_id,
        },
        now=ctx.now,
    )
    tell_merged_children(ctx, ticket, assignment.reply_text or "")
    return ticket


def _reject(ctx: Context, operator: Operator, ticket: Ticket, assignment: Assignment, reason: str) -> Ticket:
    if not reason.strip():
        raise InvalidInput("审核不通过须说明理由", code="rejection_reason_required")
    assignment.status, assignment.replied_at = SIGNED, None
    limit = ctx.policy.limit(assignment.grade, "reply", complex_case=assignment.complex)
    assignment.reply_due_at = limit.deadline(ctx.calendar, ctx.now)
    assignment.dispatched_at = ctx.now  # the new reply clock (and its warning share) starts now
    schedule_next_alarm(ctx, assignment)
    perform(
        ctx.session,
        ticket,
        "reject_reply",
        operator.actor,
        {
            "assignment_id": assignment.id,
            "reason": reason,
            "holder_unit_id": assignment.unit_id,
            "reply_due_at": assignment.reply_due_at.isoformat(),
        },
        now=ctx.now,
    )
    return ticket
