"""Department handling (承办): sign an assignment, reply to it; helper units sign and reply too, and
their replies are gathered into the lead unit's reply."""

from __future__ import annotations

from sqlalchemy import select

from dispatch.alarms import PENDING, REPLIED, SIGNED, schedule_next_alarm
from dispatch.assignments import HELPER, LEAD, get_assignment
from dispatch.context import Context
from dispatch.models import Assignment
from dispatch.operators import Operator, require_handler_of
from ticketing.errors import IllegalTransition, InvalidInput
from ticketing.models import Attachment
from ticketing.ticket_actions import load_for_update, perform

MAX_REPLY_CHARS = 5000


def sign(ctx: Context, operator: Operator, assignment_id: int) -> Assignment:
    assignment = get_assignment(ctx, assignment_id)
    require_handler_of(operator, assignment.unit_id)
    if assignment.status != PENDING:
        raise IllegalTransition("该任务不是待签收状态", code="not_pending", status=assignment.status)
    ticket = load_for_update(ctx.session, assignment.ticket_id)
    assignment.status, assignment.signed_at = SIGNED, ctx.now
    schedule_next_alarm(ctx, assignment)
    action = "sign" if assignment.role == LEAD else "helper_sign"
    perform(
        ctx.session,
        ticket,
        action,
        operator.actor,
        {"assignment_id": assignment.id, "unit_id": assignment.unit_id},
        now=ctx.now,
    )
    return assignment


def _check_reply_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput("回复内容不能为空", code="reply_required")
    if len(text) > MAX_REPLY_CHARS:
        raise InvalidInput(f"回复内容过长：最多 {MAX_REPLY_CHARS} 字", code="reply_too_long")
    return text


def helper_replies(ctx: Context, ticket_id: int) -> list[dict]:
    """Every helper unit's answer on the ticket so far: gathered into the lead's reply and the closure."""
    rows = ctx.session.execute(
        select(Assignment)
        .where(Assignment.ticket_id == ticket_id, Assignment.role == HELPER)
        .order_by(Assignment.id)
    ).scalars()
    return [{"unit_id": h.unit_id, "text": h.reply_text, "status": h.status} for h in rows]


def _check_attachments(ctx: Context, ticket_id: int, attachment_ids: tuple[int, ...]) -> None:
    if not attachment_ids:
        return
    found = set(
        ctx.session.execute(
            select(Attachment.id).where(Attachment.id.in_(attachment_ids), Attachment.ticket_id == ticket_id)
        ).scalars()
    )
    missing = sorted(set(attachment_ids) - found)
    if missing:
        raise InvalidInput(f"附件不存在或不属于该工单：{missing}", code="unknown_attachment")


def reply(
    ctx: Context,
    operator: Operator,
    assignment_id: int,
    text: str,
    *,
    resolved: bool,
    attachment_ids: tuple[int, ...] = (),
) -> Assignment:
    """The lead unit's answer, with "resolved or not" and the helper units' replies gathered in."""
    assignment = get_assignment(ctx, assignment_id)
    require_handler_of(operator, assignment.unit_id)
    text = _check_reply_text(text)
    if assignment.role != LEAD:
        raise IllegalTransition("协办单位请使用协办回复", code="helper_must_use_helper_reply")
    if assignment.status != SIGNED:
        raise IllegalTransition(
            "须先签收，且未转派下级，才能回复", code="not_signed", status=assignment.status
        )
    _check_attachments(ctx, assignment.ticket_id, attachment_ids)
    ticket = load_for_update(ctx.session, assignment.ticket_id)
    assignment.status, assignment.replied_at = REPLIED, ctx.now
    assignment.reply_text, assignment.resolved = text, resolved
    schedule_next_alarm(ctx, assignment)
    perform(
        ctx.session,
        ticket,
        "reply",
        operator.actor,
        {
            "assignment_id": assignment.id,
            "unit_id": assignment.unit_id,
            "text": text,
            "resolved": resolved,
            "attachment_ids": list(attachment_ids),
            "helper_replies": helper_replies(ctx, assignment.ticket_id),
        },
        now=ctx.now,
    )
    return assignment


def helper_reply(ctx: Context, operator: Operator, assignment_id: int, text: str) -> Assignment:
    assignment = get_assignment(ctx, assignment_id)
    require_handler_of(operator, assignment.unit_id)
    text = _check_reply_text(text)
    if assignment.role != HELPER or assignment.status not in (PENDING, SIGNED):
        raise IllegalTransition(
            "该任务不能协办回复", code="not_an_open_helper_task", status=assignment.status
        )
    ticket = load_for_update(ctx.session, assignment.ticket_id)
    if assignment.status == PENDING:
        assignment.signed_at = ctx.now
    assignment.status, assignment.replied_at, assignment.reply_text = REPLIED, ctx.now, text
    schedule_next_alarm(ctx, assignment)
    perform(
        ctx.session,
        ticket,
        "helper_reply",
        operator.actor,
        {"assignment_id": assignment.id, "unit_id": assignment.unit_id, "text": text},
        now=ctx.now,
    )
    return assignment
