"""申诉复核: the rated unit may appeal a 差评 it holds to be malicious or mistaken; the city platform
decides. Both steps are annotations on the 差评 ticket (its state is unchanged) and land in its event
log; an upheld appeal takes the rating out of the unit's assessment.
"""

from __future__ import annotations

from sqlalchemy import select

from dispatch.context import Context
from dispatch.operators import Operator, require_handler_of, require_platform
from ticketing.errors import IllegalTransition, InvalidInput, NotFound
from ticketing.models import Evaluation
from ticketing.ticket_actions import load_for_update, perform

PENDING, UPHELD, REJECTED = "pending", "upheld", "rejected"
MAX_TEXT_CHARS = 1000


def _evaluation_of(ctx: Context, ticket_id: int) -> Evaluation:
    evaluation = ctx.session.execute(
        select(Evaluation).where(Evaluation.bad_ticket_id == ticket_id).with_for_update()
    ).scalar_one_or_none()
    if evaluation is None:
        raise NotFound("该工单不是差评工单，无评价可申诉", code="not_a_rating_ticket")
    return evaluation


def _text(value: str, what: str, code: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(f"须填写{what}", code=code)
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInput(f"{what}过长：最多 {MAX_TEXT_CHARS} 字", code=code)
    return text


def appeal_rating(ctx: Context, operator: Operator, ticket_id: int, reason: str) -> Evaluation:
    """The rated unit lodges its one appeal against the rating behind the 差评 ticket."""
    reason = _text(reason, "申诉理由", "appeal_reason_required")
    ticket = load_for_update(ctx.session, ticket_id)
    evaluation = _evaluation_of(ctx, ticket_id)
    require_handler_of(operator, evaluation.unit_id)
    if evaluation.appeal_status is not None:
        raise IllegalTransition("该差评已申诉过，不能重复申诉", code="appeal_exists")
    evaluation.appeal_status = PENDING
    perform(ctx.session, ticket, "appeal_rating", operator.actor, {"reason": reason}, now=ctx.now)
    return evaluation


def decide_appeal(ctx: Context, operator: Operator, ticket_id: int, upheld: bool, note: str) -> Evaluation:
    """The platform's decision: upheld excludes the rating from the unit's assessment."""
    require_platform(operator)
    note = _text(note, "复核意见", "decision_note_required")
    ticket = load_for_update(ctx.session, ticket_id)
    evaluation = _evaluation_of(ctx, ticket_id)
    if evaluation.appeal_status != PENDING:
        raise IllegalTransition("该差评没有待复核的申诉", code="no_pending_appeal")
    evaluation.appeal_status = UPHELD if upheld else REJECTED
    evaluation.excluded = upheld
    perform(
        ctx.session, ticket, "decide_appeal", operator.actor, {"upheld": upheld, "note": note}, now=ctx.now
    )
    return evaluation
