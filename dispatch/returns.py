"""退单: a unit sends a wrongly dispatched ticket back up, with a reason code, within the return window.

Returns are where 12345 systems rot (退单拉锯), so they are counted: at the limit the ticket goes to
the city platform for a dispute decision (争议审核), and the unit it names cannot return it again.
"""

from __future__ import annotations

from sqlalchemy import func, select

from dispatch.alarms import FORWARDED, PENDING, SIGNED, schedule_next_alarm
from dispatch.assignments import (
    LEAD,
    PLATFORM,
    end_assignment,
    get_assignment,
    open_assignment,
    open_assignments,
)
from dispatch.context import Context
from dispatch.graded_dispatch import ARBITRATION_FLAG
from dispatch.models import Assignment
from dispatch.operators import Operator, require_handler_of
from ticketing.errors import IllegalTransition, InvalidInput
from ticketing.models import OrgUnit, Ticket, TicketEvent
from ticketing.ticket_actions import load_for_update, perform
from ticketing.vocabulary import OrgKind

RETURN_REASONS = {
    "not_our_duty": "非本单位职责",
    "wrong_area": "不属本辖区",
    "insufficient_info": "诉求信息不全，无法办理",
    "duplicate": "重复工单",
    "policy_unsupported": "无政策依据",
    "other": "其他",
}


def returns_so_far(ctx: Context, ticket_id: int) -> int:
    return ctx.session.execute(
        select(func.count()).where(TicketEvent.ticket_id == ticket_id, TicketEvent.action == "return")
    ).scalar_one()


def _platform_id(ctx: Context) -> int:
    return ctx.session.execute(
        select(OrgUnit.id).where(OrgUnit.kind == OrgKind.CITY_PLATFORM.value).order_by(OrgUnit.id).limit(1)
    ).scalar_one()


def _check_returnable(ctx: Context, assignment: Assignment, reason_code: str, reason: str) -> None:
    if reason_code not in RETURN_REASONS:
        allowed = "、".join(f"{k}({v})" for k, v in RETURN_REASONS.items())
        raise InvalidInput(
            f"退单原因代码无效：{reason_code}（可选：{allowed}）", code="invalid_return_reason"
        )
    if reason_code == "other" and not reason.strip():
        raise InvalidInput("退单原因为“其他”时须说明理由", code="return_reason_required")
    if assignment.role != LEAD or assignment.status not in (PENDING, SIGNED):
        raise IllegalTransition(
            "该任务不能退单（已转派、已回复或已结束）", code="not_returnable", status=assignment.status
        )
    if assignment.final:
        raise IllegalTransition(
            "该工单经争议审核指定由本单位办理，不能再退单", code="return_after_arbitration"
        )
    window = ctx.policy.whole("return_window_working_days")
    if ctx.calendar.add_working_days(assignment.dispatched_at, window) < ctx.now:
        raise IllegalTransition(f"已超过退单时限（收到后 {window} 个工作日内）", code="return_window_passed")
    if returns_so_far(ctx, assignment.ticket_id) >= ctx.policy.whole("returns_before_arbitration"):
        raise IllegalTransition("该工单退单次数已达上限，须由市级平台争议审核", code="too_many_returns")


def return_assignment(
    ctx: Context, operator: Operator, assignment_id: int, reason_code: str, reason: str = ""
) -> Ticket:
    assignment = get_assignment(ctx, assignment_id)
    require_handler_of(operator, assignment.unit_id)
    _check_returnable(ctx, assignment, reason_code, reason)
    ticket = load_for_update(ctx.session, assignment.ticket_id)
    count = returns_so_far(ctx, ticket.id) + 1
    arbitration = count >= ctx.policy.whole("returns_before_arbitration")
    end_assignment(ctx, assignment, "returned")
    for sibling in _helpers_of_round(ctx, assignment):
        end_assignment(ctx, sibling, "cancelled")
    parent = ctx.session.get(Assignment, assignment.parent_id) if assignment.parent_id else None
    if arbitration:
        # The platform decides from here on, whichever levels the ticket bounced between.
        for other in open_assignments(ctx, ticket.id):
            end_assignment(ctx, other, "cancelled")
        back_to = _platform_id(ctx)
    elif parent is not None:
        parent.status = SIGNED
        schedule_next_alarm(ctx, parent)
        back_to = parent.unit_id
    else:
        back_to = assignment.dispatched_by_unit_id
    payload = {
        "assignment_id": assignment.id,
        "from_unit_id": assignment.unit_id,
        "holder_unit_id": back_to,
        "reason_code": reason_code,
        "reason_label": RETURN_REASONS[reason_code],
        "reason": reason,
        "return_count": count,
    }
    if arbitration:
        payload["extra_set"] = {ARBITRATION_FLAG: True}
    perform(ctx.session, ticket, "return", operator.actor, payload, now=ctx.now)
    if parent is None or arbitration:
        open_assignment(ctx, ticket, unit_id=back_to, role=PLATFORM, dispatched_by_unit_id=back_to)
    return ticket


def _helpers_of_round(ctx: Context, lead: Assignment) -> list[Assignment]:
    rows = ctx.session.execute(
        select(Assignment).where(
            Assignment.ticket_id == lead.ticket_id,
            Assignment.role == "helper",
            Assignment.dispatched_by_unit_id == lead.dispatched_by_unit_id,
            Assignment.status.in_((PENDING, SIGNED, FORWARDED)),
        )
    ).scalars()
    return list(rows)
