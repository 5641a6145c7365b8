"""延期: the lead unit asks for more time; the level above approves or refuses. One extension of at
most N working days per assignment (policy settings)."""

from __future__ import annotations

from sqlalchemy import select

from dispatch.alarms import FORWARDED, SIGNED, schedule_next_alarm
from dispatch.assignments import LEAD, get_assignment
from dispatch.context import Context
from dispatch.models import ExtensionRequest
from dispatch.operators import Operator, require_dispatcher_of, require_handler_of
from ticketing.errors import IllegalTransition, InvalidInput, NotFound
from ticketing.ticket_actions import load_for_update, perform


def request_extension(
    ctx: Context, operator: Operator, assignment_id: int, working_days: int, reason: str
) -> ExtensionRequest:
    assignment = get_assignment(ctx, assignment_id)
    require_handler_of(operator, assignment.unit_id)
    limit_days = ctx.policy.whole("max_extension_working_days")
    if not 1 <= working_days <= limit_days:
        raise InvalidInput(f"延期天数须在 1 到 {limit_days} 个工作日之间", code="extension_too_long")
    if not reason.strip():
        raise InvalidInput("申请延期须说明理由", code="extension_reason_required")
    if assignment.role != LEAD or assignment.status not in (SIGNED, FORWARDED):
        raise IllegalTransition(
            "只有办理中的主办任务可以申请延期", code="not_extendable", status=assignment.status
        )
    if assignment.extension_count >= ctx.policy.whole("max_extensions"):
        raise IllegalTransition("延期次数已用完", code="extension_limit_reached")
    pending = ctx.session.execute(
        select(ExtensionRequest.id).where(
            ExtensionRequest.assignment_id == assignment.id, ExtensionRequest.status == "pending"
        )
    ).first()
    if pending:
        raise IllegalTransition("已有待审批的延期申请", code="extension_already_pending")
    request = ExtensionRequest(
        assignment_id=assignment.id,
        working_days=working_days,
        reason=reason.strip(),
        status="pending",
        requested_at=ctx.now,
        requested_by_user_id=operator.user_id,
    )
    ctx.session.add(request)
    ctx.session.flush()
    ticket = load_for_update(ctx.session, assignment.ticket_id)
    perform(
        ctx.session,
        ticket,
        "request_extension",
        operator.actor,
        {
            "assignment_id": assignment.id,
            "request_id": request.id,
            "working_days": working_days,
            "reason": request.reason,
        },
        now=ctx.now,
    )
    return request


def decide_extension(
    ctx: Context, operator: Operator, request_id: int, *, approve: bool, note: str = ""
) -> ExtensionRequest:
    request = ctx.session.get(ExtensionRequest, request_id)
    if request is None:
        raise NotFound(f"延期申请不存在：{request_id}", code="extension_not_found")
    assignment = get_assignment(ctx, request.assignment_id)
    require_dispatcher_of(operator, assignment.dispatched_by_unit_id)
    if request.status != "pending":
        raise IllegalTransition("该延期申请已审批", code="extension_already_decided")
    request.status = "approved" if approve else "rejected"
    request.decided_at, request.decided_by_user_id, request.decision_note = ctx.now, operator.user_id, note
    payload = {"assignment_id": assignment.id, "request_id": request.id, "approved": approve, "note": note}
    if approve and assignment.reply_due_at is not None:
        assignment.reply_due_at = ctx.calendar.add_working_days(assignment.reply_due_at, request.working_days)
        assignment.extension_count += 1
        schedule_next_alarm(ctx, assignment)
        payload["reply_due_at"] = assignment.reply_due_at.isoformat()
    ticket = load_for_update(ctx.session, assignment.ticket_id)
    perform(ctx.session, ticket, "decide_extension", operator.actor, payload, now=ctx.now)
    return request
