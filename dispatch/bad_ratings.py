"""差评 → ticket: a bad rating from any channel enters the one intake flow and goes straight to the
rated unit, to be verified and rectified within the configured days (`rating_rectify_days`).

Three steps, each safe to repeat: intake (idempotent on the evaluation's id), linking the evaluation
to its ticket, and routing (only while the ticket still waits at the platform). The request that
records a rating runs them at once; the ratings sweep runs them again for any evaluation a crash left
half-way, so no 差评 is lost.

The ticket carries no phone and no name: the rater's number stays on the evaluation, which only the
platform reads, because raters are never shown to the unit they rated.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.alarms import schedule_next_alarm
from dispatch.assignments import LEAD, end_assignment, holder_assignment, open_assignment
from dispatch.context import Context, dispatch_context
from dispatch.models import Assignment
from ticketing.db import Database
from ticketing.evaluations import is_bad
from ticketing.intake import submit
from ticketing.models import Evaluation, OrgUnit, ServiceHall, ServiceWindow, Ticket
from ticketing.submission import Submission
from ticketing.ticket_actions import Actor, load_for_update, perform
from ticketing.vocabulary import Channel, OrgKind, RatingLevel, TicketStatus

ROUTER = Actor("好差评")
BEIJING = ZoneInfo("Asia/Shanghai")
SOURCE_CHANNEL = {"rating_device": Channel.RATING_DEVICE, "qr_rating": Channel.QR_RATING}


def _where(session: Session, evaluation: Evaluation) -> str:
    parts = []
    if evaluation.hall_id is not None:
        parts.append(session.get_one(ServiceHall, evaluation.hall_id).name)
    if evaluation.window_id is not None:
        parts.append(session.get_one(ServiceWindow, evaluation.window_id).name)
    return " ".join(parts) or session.get_one(OrgUnit, evaluation.unit_id).name


def _submission(session: Session, evaluation: Evaluation) -> Submission:
    level = RatingLevel(evaluation.level).label
    where = _where(session, evaluation)
    lines = [f"评价等级：{level}", f"评价对象：{where}"]
    if evaluation.service_item:
        lines.append(f"服务事项：{evaluation.service_item}")
    if evaluation.case_number:
        lines.append(f"办件编号：{evaluation.case_number}")
    if evaluation.reasons:
        lines.append(f"差评原因：{'、'.join(evaluation.reasons)}")
    if evaluation.comment:
        lines.append(f"评价意见：{evaluation.comment}")
    lines.append("请核实情况并整改，整改结果将反馈评价人。")
    return Submission(
        channel=SOURCE_CHANNEL[evaluation.source].value,
        title=f"差评（{level}）：{where}",
        content="\n".join(lines),
        anonymous=True,
        callback_requested=evaluation.rater_phone is not None,
        idempotency_key=f"evaluation:{evaluation.id}",
        extra={"evaluation_id": evaluation.id, "rated_unit_id": evaluation.unit_id},
    )


def needs_ticket(evaluation: Evaluation) -> bool:
    return evaluation.source in SOURCE_CHANNEL and is_bad(evaluation.level)


def open_bad_rating_ticket(db: Database, evaluation_id: int, now: datetime | None = None) -> int | None:
    """The 差评 ticket of the evaluation (made and routed if not yet), or None for a good rating."""
    with db.read_session() as session:
        evaluation = session.get_one(Evaluation, evaluation_id)
        if not needs_ticket(evaluation):
            return None
        submission = _submission(session, evaluation)
    result = submit(db, submission, actor=ROUTER, now=now)
    with dispatch_context(db, now) as ctx:
        evaluation = ctx.session.get_one(Evaluation, evaluation_id)
        evaluation.bad_ticket_id = result.ticket_id
        _route(ctx, result.ticket_id, evaluation.unit_id)
    return result.ticket_id


def _route(ctx: Context, ticket_id: int, unit_id: int) -> None:
    ticket = load_for_update(ctx.session, ticket_id)
    if ticket.status != TicketStatus.REGISTERED.value:
        return  # routed already (or handled by hand at the platform)
    platform = ctx.session.get(OrgUnit, ticket.holder_unit_id) if ticket.holder_unit_id else None
    if platform is None or platform.kind != OrgKind.CITY_PLATFORM.value:
        return
    own = holder_assignment(ctx, ticket)
    if own is not None:
        end_assignment(ctx, own, "dispatched")
    # The unit's own fault: the platform names it for good (no 退单), and the reply deadline is the
    # rectification period of the 好差评 rules rather than the grade's ordinary reply limit.
    lead = open_assignment(
        ctx, ticket, unit_id=unit_id, role=LEAD, dispatched_by_unit_id=platform.id, final=True
    )
    lead.reply_due_at = ctx.now + timedelta(days=ctx.policy.setting("rating_rectify_days"))
    schedule_next_alarm(ctx, lead)
    perform(
        ctx.session,
        ticket,
        "dispatch",
        ROUTER,
        {
            "holder_unit_id": unit_id,
            "from_unit_id": platform.id,
            "assignment_id": lead.id,
            "helper_unit_ids": [],
            "helper_assignment_ids": [],
            "grade": ticket.grade,
            "complex": False,
            "sign_due_at": lead.sign_due_at.isoformat() if lead.sign_due_at else None,
            "reply_due_at": lead.reply_due_at.isoformat(),
            "note": "差评直派被评价单位核实整改",
        },
        now=ctx.now,
    )


def unfinished_bad_ratings(session: Session, limit: int = 500) -> list[int]:
    """差评 whose ticket was never made, or still waits at the platform (a crash between the steps)."""
    waiting = select(Ticket.id).where(Ticket.status == TicketStatus.REGISTERED.value)
    bad_levels = [level.value for level in (RatingLevel.UNSATISFIED, RatingLevel.VERY_UNSATISFIED)]
    return list(
        session.execute(
            select(Evaluation.id)
            .where(
                Evaluation.source.in_(tuple(SOURCE_CHANNEL)),
                Evaluation.level.in_(bad_levels),
                (Evaluation.bad_ticket_id.is_(None)) | Evaluation.bad_ticket_id.in_(waiting),
            )
            .order_by(Evaluation.id)
            .limit(limit)
        ).scalars()
    )


def rectification_assignment(session: Session, ticket_id: int) -> Assignment | None:
    return session.execute(
        select(Assignment)
        .where(Assignment.ticket_id == ticket_id, Assignment.role == LEAD)
        .order_by(Assignment.id)
        .limit(1)
    ).scalar_one_or_none()


def rectification_feedback(session: Session, evaluation_id: int) -> str | None:
    """What the rater is told about their 差评: the unit's rectification reply, or that it is under way."""
    evaluation = session.get(Evaluation, evaluation_id)
    if evaluation is None or evaluation.bad_ticket_id is None:
        return None
    lead = rectification_assignment(session, evaluation.bad_ticket_id)
    if lead is not None and lead.reply_text:
        return f"责任单位的整改情况：{lead.reply_text}"
    if lead is not None and lead.reply_due_at is not None:
        due = lead.reply_due_at.astimezone(BEIJING).strftime("%Y-%m-%d")
        return f"您的差评已转交责任单位核实整改，整改期限至 {due}。"
    return "您的差评已转交责任单位核实整改。"
