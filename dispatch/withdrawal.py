"""并单 (merge a duplicate into the ticket that carries on) and 撤单 (the citizen withdraws)."""

from __future__ import annotations

from sqlalchemy import select

from dispatch.assignments import end_assignment, open_assignments
from dispatch.context import Context
from dispatch.operators import Operator, require_dispatcher_of
from ticketing.errors import IllegalTransition, InvalidInput
from ticketing.lifecycle import OPEN_STATES
from ticketing.models import Ticket
from ticketing.ticket_actions import Actor, load_for_update, perform
from ticketing.vocabulary import TicketStatus

MERGE_TARGET_STATES = OPEN_STATES | {TicketStatus.REPLIED}


def _end_all(ctx: Context, ticket: Ticket) -> None:
    for assignment in open_assignments(ctx, ticket.id):
        end_assignment(ctx, assignment, "cancelled")


def merge(ctx: Context, operator: Operator, ticket_id: int, into_ticket_id: int, note: str = "") -> Ticket:
    """The duplicate stops; its citizen still gets the answer (review.tell_merged_children) and callback."""
    if ticket_id == into_ticket_id:
        raise InvalidInput("不能与自身并单", code="merge_into_self")
    # Lock in id order, so two merges of the same pair cannot deadlock.
    first, second = sorted((ticket_id, into_ticket_id))
    locked = {first: load_for_update(ctx.session, first), second: load_for_update(ctx.session, second)}
    child, parent = locked[ticket_id], locked[into_ticket_id]
    require_dispatcher_of(operator, child.holder_unit_id)
    if parent.status not in MERGE_TARGET_STATES or parent.merged_into_id is not None:
        raise IllegalTransition(
            "目标工单已结束或已被并单，不能并入", code="merge_target_closed", status=parent.status
        )
    _end_all(ctx, child)
    perform(
        ctx.session,
        child,
        "merge",
        operator.actor,
        {"into_ticket_id": parent.id, "into_number": parent.number, "note": note},
        now=ctx.now,
    )
    perform(
        ctx.session,
        parent,
        "note",
        operator.actor,
        {"kind": "merged_in", "child_ticket_id": child.id, "child_number": child.number},
        now=ctx.now,
    )
    return child


def cancel(ctx: Context, ticket_id: int, actor: Actor, reason: str) -> Ticket:
    """撤单 at the citizen's request (by phone to an agent, or on the public page)."""
    if not reason.strip():
        raise InvalidInput("撤单须说明原因", code="cancel_reason_required")
    ticket = load_for_update(ctx.session, ticket_id)
    _end_all(ctx, ticket)
    perform(ctx.session, ticket, "cancel", actor, {"reason": reason}, now=ctx.now)
    return ticket


def tell_merged_children(ctx: Context, parent: Ticket, answer: str) -> None:
    """并单: every citizen whose ticket was merged into this one gets the same answer."""
    children = (
        ctx.session.execute(select(Ticket).where(Ticket.merged_into_id == parent.id).with_for_update())
        .scalars()
        .all()
    )
    for child in children:
        perform(
            ctx.session,
            child,
            "note",
            Actor("系统（并单）"),
            {
                "kind": "parent_closed",
                "parent_ticket_id": parent.id,
                "parent_number": parent.number,
                "answer": answer,
            },
            now=ctx.now,
        )
