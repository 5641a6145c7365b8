"""分级派单: the unit holding a ticket sends it one level down to a lead unit plus helper units, or
handles it itself; the platform adopts new tickets and has the final say after repeated returns.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exists, select

from dispatch.alarms import AWAITING_DISPATCH, FORWARDED, SIGNED
from dispatch.assignments import HELPER, LEAD, PLATFORM, end_assignment, holder_assignment, open_assignment
from dispatch.context import Context
from dispatch.models import Assignment
from dispatch.operators import Operator, require, require_dispatcher_of, require_platform
from dispatch.suggestions import Suggested, record_choice
from dispatch.withdrawal import tell_merged_children
from ticketing.errors import IllegalTransition, InvalidInput, NotFound
from ticketing.models import OrgUnit, Ticket, TicketEvent
from ticketing.ticket_actions import load_for_update, perform
from ticketing.vocabulary import Grade, OrgKind, Role, TicketStatus

ARBITRATION_FLAG = "arbitration_required"


def _unit(ctx: Context, unit_id: int) -> OrgUnit:
    unit = ctx.session.get(OrgUnit, unit_id)
    if unit is None or not unit.active:
        raise NotFound(f"单位不存在或已停用：{unit_id}", code="unknown_unit")
    return unit


def _check_child(ctx: Context, parent_id: int, unit_id: int) -> OrgUnit:
    unit = _unit(ctx, unit_id)
    if unit.parent_id != parent_id:
        raise InvalidInput(f"只能派往下一级单位：{unit.name}不是本单位的下级", code="not_a_child_unit")
    return unit


def registration_time(ctx: Context, ticket: Ticket) -> TicketEvent | None:
    return ctx.session.execute(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == "register")
        .order_by(TicketEvent.seq.desc())
        .limit(1)
    ).scalar_one_or_none()


def adopt(ctx: Context, ticket: Ticket) -> Assignment:
    """The platform's own assignment for a newly registered ticket: its dispatch deadline runs from
    registration (the sweep adopts tickets that nobody has touched yet)."""
    existing = holder_assignment(ctx, ticket)
    if existing is not None:
        return existing
    registered = registration_time(ctx, ticket)
    start = registered.created_at if registered else ticket.created_at
    saved_now, ctx.now = ctx.now, min(start, ctx.now)
    try:
        return open_assignment(
            ctx,
            ticket,
            unit_id=ticket.holder_unit_id,
            role=PLATFORM,
            dispatched_by_unit_id=ticket.holder_unit_id,
        )
    finally:
        ctx.now = saved_now


def unadopted_tickets(ctx: Context, limit: int = 1000) -> list[Ticket]:
    """Registered tickets at the platform without an open platform assignment (index on status)."""
    platform_units = select(OrgUnit.id).where(OrgUnit.kind == OrgKind.CITY_PLATFORM.value)
    has_platform_assignment = exists().where(
        Assignment.ticket_id == Ticket.id, Assignment.status == AWAITING_DISPATCH
    )
    return list(
        ctx.session.execute(
            select(Ticket)
            .where(
                Ticket.status == TicketStatus.REGISTERED.value,
                Ticket.holder_unit_id.in_(platform_units),
                ~has_platform_assignment,
            )
            .limit(limit)
        ).scalars()
    )


def _arbitration_pending(ticket: Ticket) -> bool:
    return bool((ticket.extra or {}).get(ARBITRATION_FLAG))


def _validate_grade(grade: str | None) -> str | None:
    if grade is None:
        return None
    try:
        return Grade.parse(grade).value
    except ValueError:
        raise InvalidInput(f"紧急程度无效：{grade}", code="invalid_grade") from None


def _first_level_by_agent(operator: Operator, holder_id: int | None) -> bool:
    """12345 agents dispatch what they register (一级派单) from the platform; lower levels dispatch
    through their own dispatchers."""
    return operator.role == Role.AGENT.value and operator.at_platform and operator.unit_id == holder_id


def dispatch_ticket(
    ctx: Context,
    operator: Operator,
    ticket_id: int,
    lead_unit_id: int,
    helper_unit_ids: Sequence[int] = (),
    *,
    grade: str | None = None,
    complex_case: bool = False,
    note: str | None = None,
    suggestion: Suggested | None = None,
) -> Assignment:
    """`suggestion` is the unit the system proposed, if any: what was chosen against it is kept as a
    training signal whether the dispatcher agreed or not."""
    ticket = load_for_update(ctx.session, ticket_id)
    holder_id = ticket.holder_unit_id
    if not _first_level_by_agent(operator, holder_id):
        require_dispatcher_of(operator, holder_id)
    if _arbitration_pending(ticket):
        raise IllegalTransition(
            "该工单已两次退单，须由市级平台争议审核后指定承办单位", code="arbitration_required"
        )
    grade = _validate_grade(grade) or ticket.grade
    _check_child(ctx, holder_id, lead_unit_id)
    helpers = list(dict.fromkeys(helper_unit_ids))
    if lead_unit_id in helpers:
        raise InvalidInput("主办单位不能同时是协办单位", code="lead_is_helper")
    for helper_id in helpers:
        _check_child(ctx, holder_id, helper_id)
    own = holder_assignment(ctx, ticket)
    if (
        own is None
        and ticket.status == TicketStatus.REGISTERED.value
        and _unit(ctx, holder_id).parent_id is None
    ):
        own = adopt(ctx, ticket)
    if own is None or own.status not in (AWAITING_DISPATCH, SIGNED):
        raise IllegalTransition("本单位尚未签收该工单，不能继续派单", code="not_signed_yet")
    if suggestion is not None:
        chosen = _unit(ctx, lead_unit_id).code
        record_choice(ctx.session, ticket.id, "unit", suggestion, chosen, operator.user_id, ctx.now)
    return _send_down(ctx, operator, ticket, own, lead_unit_id, helpers, grade, complex_case, note)


def _send_down(
    ctx: Context,
    operator: Operator,
    ticket: Ticket,
    own: Assignment,
    lead_unit_id: int,
    helpers: list[int],
    grade: str,
    complex_case: bool,
    note: str | None,
    *,
    final: bool = False,
    extra_payload: dict | None = None,
) -> Assignment:
    parent = None if own.role == PLATFORM else own
    if own.role == PLATFORM:
        end_assignment(ctx, own, "dispatched")
    else:
        own.status = FORWARDED
    lead = open_assignment(
        ctx,
        ticket,
        unit_id=lead_unit_id,
        role=LEAD,
        dispatched_by_unit_id=own.unit_id,
        parent=parent,
        grade=grade,
        complex_case=complex_case,
        final=final,
    )
    helper_rows = [
        open_assignment(
            ctx,
            ticket,
            unit_id=h,
            role=HELPER,
            dispatched_by_unit_id=own.unit_id,
            parent=parent,
            grade=grade,
            complex_case=complex_case,
        )
        for h in helpers
    ]
    if grade != ticket.grade:
        perform(
            ctx.session,
            ticket,
            "change_grade",
            operator.actor,
            {"grade": grade, "reason": note or ""},
            now=ctx.now,
        )
    perform(
        ctx.session,
        ticket,
        "dispatch",
        operator.actor,
        {
            "holder_unit_id": lead_unit_id,
            "from_unit_id": own.unit_id,
            "assignment_id": lead.id,
            "helper_unit_ids": helpers,
            "helper_assignment_ids": [h.id for h in helper_rows],
            "grade": grade,
            "complex": complex_case,
            "sign_due_at": lead.sign_due_at.isoformat() if lead.sign_due_at else None,
            "reply_due_at": lead.reply_due_at.isoformat() if lead.reply_due_at else None,
            "note": note,
            **(extra_payload or {}),
        },
        now=ctx.now,
    )
    return lead


def send_directly(
    ctx: Context, operator: Operator, ticket: Ticket, unit_id: int, note: str, extra_payload: dict
) -> Assignment:
    """The platform sends a new ticket straight to a named unit at any level (a leader's own unit on a
    live-answer day): the unit was chosen when the session was scheduled, not by the dispatch tree."""
    _unit(ctx, unit_id)
    own = holder_assignment(ctx, ticket) or adopt(ctx, ticket)
    return _send_down(
        ctx, operator, ticket, own, unit_id, [], ticket.grade, False, note, extra_payload=extra_payload
    )


def arbitrate(ctx: Context, operator: Operator, ticket_id: int, unit_id: int, decision: str) -> Assignment:
    """争议审核: after repeated returns the platform names the unit; that unit cannot return it again."""
    require_platform(operator)
    ticket = load_for_update(ctx.session, ticket_id)
    require(_arbitration_pending(ticket), "该工单无需争议审核", "no_arbitration_pending")
    if not decision.strip():
        raise InvalidInput("争议审核须写明裁决理由", code="decision_required")
    _unit(ctx, unit_id)
    own = holder_assignment(ctx, ticket) or adopt(ctx, ticket)
    return _send_down(
        ctx,
        operator,
        ticket,
        own,
        unit_id,
        [],
        ticket.grade,
        False,
        decision,
        final=True,
        extra_payload={"arbitration": True, "decision": decision, "extra_unset": [ARBITRATION_FLAG]},
    )


def close_directly(ctx: Context, operator: Operator, ticket_id: int, answer: str) -> None:
    """直接办结: answered on the spot (a consultation), no dispatch."""
    ticket = load_for_update(ctx.session, ticket_id)
    require(operator.unit_id == ticket.holder_unit_id, "该工单不在本单位，无权办结", "not_your_unit")
    require(operator.role in ("agent", "dispatcher", "admin"), "只有话务员或派单员可以直接办结", "forbidden")
    if not answer.strip():
        raise InvalidInput("直接办结须填写答复内容", code="answer_required")
    own = holder_assignment(ctx, ticket)
    if own is not None:
        end_assignment(ctx, own, "closed")
    perform(ctx.session, ticket, "close_directly", operator.actor, {"answer": answer}, now=ctx.now)
    tell_merged_children(ctx, ticket, answer)


def adopt_new_tickets(ctx: Context) -> int:
    tickets = unadopted_tickets(ctx)
    for ticket in tickets:
        adopt(ctx, ticket)
    return len(tickets)
