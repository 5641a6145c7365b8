"""回访: survey tasks for closed tickets — scheduling within allowed hours, issuing dial commands,
settling each attempt, and the ticket events the results become.

Every citizen of a ticket is surveyed (after 并单 the merged duplicates' callers too), one task each.
The ticket's "record_visit" is written once every task has settled, from the answers collected; the
tasks that came back unresolved or unsatisfied then wait in the review queue (dispatch.survey_review).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import exists, or_, select

from dispatch.context import Context
from dispatch.survey_models import (
    AGENT_STATES,
    ANSWERED,
    CALLING,
    CANCELLED,
    MANUAL,
    OPEN_STATES,
    OPTED_OUT,
    REVIEW,
    SCHEDULED,
    UNREACHABLE,
    SurveyTask,
)
from dispatch.working_calendar import WorkingCalendar
from ticketing.citizens import set_callback_opt_out
from ticketing.errors import IllegalTransition, InvalidInput, NotFound
from ticketing.evaluations import rater_phone_for_ticket
from ticketing.models import Citizen, Ticket
from ticketing.phones import PhoneInfo
from ticketing.ticket_actions import SYSTEM, Actor, load_for_update, perform
from ticketing.vocabulary import RATING_CHANNELS, TicketStatus

log = logging.getLogger(__name__)

SATISFACTION = ("satisfied", "basically_satisfied", "unsatisfied")  # best first
AUTO_CALL, AGENT_CALL = "auto_call", "agent_call"
ANSWERED_OUTCOME = "answered"
NOT_UNDERSTOOD = "not_understood"  # the citizen picked up but gave no answer we could take
LOST = "lost"  # the dial command never reported back (worker killed, Redis flushed)
RESULT_JOB = "dispatch.jobs.survey_result_job"  # what telephony enqueues with the call's result
DIALER = Actor("回访外呼")
CLOSED_WITHIN = timedelta(days=7)  # older closures (e.g. before this feature) are not surveyed


@dataclass(frozen=True)
class SurveyPolicy:
    delay: timedelta = timedelta(hours=1)  # after closure
    hours: tuple[time, time] = (time(9), time(20))  # local time, on working days
    attempts: int = 3
    retry_after: timedelta = timedelta(hours=2)
    stale_after: timedelta = timedelta(minutes=15)  # a dial command unanswered this long is lost
    ring_seconds: int = 30
    dial: bool = True  # False (no gateway configured): due surveys wait in the agents' call-back list


def next_allowed(calendar: WorkingCalendar, moment: datetime, hours: tuple[time, time]) -> datetime:
    """The first instant at or after `moment` on a working day within `hours` (never at night)."""
    start, end = hours
    local = moment.astimezone(calendar.tz)
    for _ in range(60):
        if calendar.is_workday(local.date()):
            if local.time() < start:
                return datetime.combine(local.date(), start, calendar.tz)
            if local.time() < end:
                return local
        local = datetime.combine(local.date() + timedelta(days=1), time(0), calendar.tz)
    raise RuntimeError("no working day within 60 days: check the working calendar")


@dataclass(frozen=True)
class DialRequest:
    request_id: str
    number: str
    task_id: int


# -- scheduling ----------------------------------------------------------------------------------------
RATING_CHANNEL_VALUES = frozenset(c.value for c in RATING_CHANNELS)


def _citizen_phones(ctx: Context, ticket: Ticket) -> list[tuple[int, str]]:
    """(source ticket, phone) for the ticket's caller and every duplicate merged into it."""
    merged = ctx.session.execute(
        select(Ticket).where(Ticket.merged_into_id == ticket.id).order_by(Ticket.id)
    ).scalars()
    found: dict[str, int] = {}
    for source in (ticket, *merged):
        if source.contact_phone and not source.anonymous:
            found.setdefault(source.contact_phone, source.id)
        elif source.channel in RATING_CHANNEL_VALUES:
            # A 差评 ticket carries no number (the rated unit never sees the rater); the number the rater
            # left for feedback stays on the evaluation, and the survey call is that feedback.
            rater = rater_phone_for_ticket(ctx.session, source.id)
            if rater:
                found.setdefault(rater, source.id)
    return [(source_id, phone) for phone, source_id in found.items()]


def _opted_out(ctx: Context, phone: str) -> bool:
    return bool(
        ctx.session.execute(
            select(Citizen.callback_opt_out).where(Citizen.phone_e164 == phone)
        ).scalar_one_or_none()
    )


def schedule_for(ctx: Context, ticket: Ticket, policy: SurveyPolicy) -> list[SurveyTask]:
    """One task per citizen of a closed ticket, due `policy.delay` after closure within allowed hours."""
    closed_at = ticket.closed_at or ctx.now  # a closed ticket always has it; the fallback is for types
    due = next_allowed(ctx.calendar, max(closed_at + policy.delay, ctx.now), policy.hours)
    tasks = []
    for source_id, phone in _citizen_phones(ctx, ticket):
        opted_out = _opted_out(ctx, phone)
        task = SurveyTask(
            ticket_id=ticket.id,
            source_ticket_id=source_id,
            phone_e164=phone,
            closure_at=closed_at,
            state=OPTED_OUT if opted_out else SCHEDULED,
            attempts=0,
            due_at=None if opted_out else due,
            created_at=ctx.now,
        )
        ctx.session.add(task)
        tasks.append(task)
    ctx.session.flush()
    return tasks


def unscheduled_closed_tickets(ctx: Context, limit: int = 500) -> list[Ticket]:
    has_task = exists().where(SurveyTask.ticket_id == Ticket.id, SurveyTask.closure_at == Ticket.closed_at)
    return list(
        ctx.session.execute(
            select(Ticket)
            .where(
                Ticket.status == TicketStatus.CLOSED.value,
                Ticket.closed_at >= ctx.now - CLOSED_WITHIN,
                ~has_task,
            )
            .order_by(Ticket.id)
            .limit(limit)
        ).scalars()
    )


# -- issuing -------------------------------------------------------------------------------------------
def issue_due(ctx: Context, policy: SurveyPolicy, limit: int = 100) -> list[DialRequest]:
    """Due tasks become dial requests (sent by the caller after commit); lost ones are settled."""
    stale = ctx.now - policy.stale_after
    for task in _locked(ctx, SurveyTask.state == CALLING, SurveyTask.issued_at <= stale, limit=limit):
        settle_attempt(ctx, task, policy, outcome=LOST)
    requests: list[DialRequest] = []
    for task in _locked(ctx, SurveyTask.state == SCHEDULED, SurveyTask.due_at <= ctx.now, limit=limit):
        if _opted_out(ctx, task.phone_e164):
            task.state, task.due_at = OPTED_OUT, None
            continue
        ticket = ctx.session.get_one(Ticket, task.ticket_id)
        if ticket.status != TicketStatus.CLOSED.value or ticket.closed_at != task.closure_at:
            task.state, task.due_at = CANCELLED, None  # reopened meanwhile: nothing to ask about yet
            continue
        if not policy.dial:
            continue  # no gateway: the task waits, due, in the agents' call-back list
        allowed = next_allowed(ctx.calendar, ctx.now, policy.hours)
        if allowed > ctx.now:  # the sweep ran late, at night: wait for the morning
            task.due_at = allowed
            continue
        task.attempts += 1
        task.state, task.issued_at = CALLING, ctx.now
        task.request_id = f"survey-{task.id}-{task.attempts}"
        requests.append(DialRequest(task.request_id, task.phone_e164, task.id))
    ctx.session.flush()
    return requests


def _locked(ctx: Context, *where: Any, limit: int) -> list[SurveyTask]:
    return list(
        ctx.session.execute(
            select(SurveyTask).where(*where).order_by(SurveyTask.id).limit(limit).with_for_update()
        ).scalars()
    )


# -- settling ------------------------------------------------------------------------------------------
def settle_result(ctx: Context, policy: SurveyPolicy, result: dict[str, Any]) -> SurveyTask | None:
    """The telephony worker's report on one dial request; a repeated or stale report changes nothing."""
    task = ctx.session.execute(
        select(SurveyTask)
        .where(SurveyTask.request_id == str(result.get("request_id", "")), SurveyTask.state == CALLING)
        .with_for_update()
    ).scalar_one_or_none()
    if task is None:
        return None
    resolved, satisfaction = result.get("resolved"), result.get("satisfaction")
    outcome = str(result.get("outcome") or "failed")
    if outcome == ANSWERED_OUTCOME and (resolved is None or satisfaction not in SATISFACTION):
        outcome = NOT_UNDERSTOOD
    settle_attempt(
        ctx,
        task,
        policy,
        outcome=outcome,
        resolved=resolved,
        satisfaction=satisfaction,
        details={k: result[k] for k in ("sip_status", "speech") if k in result},
    )
    return task


def settle_attempt(
    ctx: Context,
    task: SurveyTask,
    policy: SurveyPolicy,
    *,
    outcome: str,
    resolved: bool | None = None,
    satisfaction: str | None = None,
    method: str = AUTO_CALL,
    actor: Actor = DIALER,
    details: dict[str, Any] | None = None,
) -> None:
    ticket = load_for_update(ctx.session, task.ticket_id)
    # Only the closure this task surveys: a ticket reopened (or closed again) since has moved on.
    closed = ticket.status == TicketStatus.CLOSED.value and ticket.closed_at == task.closure_at
    payload: dict[str, Any] = {
        "attempt": task.attempts,
        "outcome": outcome,
        "method": method,
        "survey_task_id": task.id,
        **(details or {}),
    }
    answered = outcome == ANSWERED_OUTCOME
    if answered:
        payload.update(resolved=resolved, satisfaction=satisfaction)
    if closed:
        perform(ctx.session, ticket, "callback_attempt", actor, payload, now=ctx.now)
    task.last_outcome, task.request_id, task.issued_at = outcome, None, None
    if answered:
        task.state, task.resolved, task.satisfaction = ANSWERED, resolved, satisfaction
        task.method, task.answered_at, task.due_at = method, ctx.now, None
    elif task.attempts < policy.attempts and closed:
        task.state = SCHEDULED
        task.due_at = next_allowed(ctx.calendar, ctx.now + policy.retry_after, policy.hours)
        return
    elif outcome == NOT_UNDERSTOOD or not closed:
        task.state, task.due_at = MANUAL, None  # an agent calls back and enters the answers
    else:
        task.state, task.due_at = UNREACHABLE, None
        perform(
            ctx.session,
            ticket,
            "survey_unreachable",
            SYSTEM,
            {"attempts": task.attempts, "survey_task_id": task.id},
            now=ctx.now,
        )
    if closed:
        finish_if_complete(ctx, ticket)


def _worst(satisfactions: Iterable[str]) -> str:
    return max(satisfactions, key=SATISFACTION.index)


def needs_review(task: SurveyTask) -> bool:
    return task.resolved is False or task.satisfaction == "unsatisfied"


def finish_if_complete(ctx: Context, ticket: Ticket) -> None:
    """Once no task of the ticket is open, the answers become its one "record_visit"."""
    tasks = list(
        ctx.session.execute(
            select(SurveyTask)
            .where(SurveyTask.ticket_id == ticket.id, SurveyTask.closure_at == ticket.closed_at)
            .order_by(SurveyTask.id)
        ).scalars()
    )
    if any(task.state in (*OPEN_STATES, MANUAL) for task in tasks):
        return
    answered = [task for task in tasks if task.state == ANSWERED]
    if not answered:
        return  # nobody reached: the ticket stays closed with its "survey_unreachable"
    first = answered[0]
    payload: dict[str, Any] = {
        "resolved": all(task.resolved for task in answered),
        "satisfaction": _worst(task.satisfaction or "unsatisfied" for task in answered),
        "method": first.method,
        "attempts": first.attempts,
    }
    if len(tasks) > 1:
        payload["responses"] = [
            {
                "survey_task_id": task.id,
                "source_ticket_id": task.source_ticket_id,
                "resolved": task.resolved,
                "satisfaction": task.satisfaction,
                "method": task.method,
                "attempts": task.attempts,
            }
            for task in answered
        ]
    perform(ctx.session, ticket, "record_visit", DIALER, payload, now=ctx.now)
    for task in answered:
        if needs_review(task):
            task.state = REVIEW


def enter_answers(
    ctx: Context,
    task_id: int,
    actor: Actor,
    *,
    resolved: bool,
    satisfaction: str,
    policy: SurveyPolicy | None = None,
) -> SurveyTask:
    """An agent called the citizen back by hand and enters what they said."""
    if satisfaction not in SATISFACTION:
        raise InvalidInput("满意度只能是满意、基本满意或不满意", code="invalid_satisfaction")
    task = ctx.session.execute(
        select(SurveyTask).where(SurveyTask.id == task_id).with_for_update()
    ).scalar_one_or_none()
    if task is None:
        raise NotFound(f"回访任务不存在：{task_id}", code="survey_not_found")
    ticket = load_for_update(ctx.session, task.ticket_id)
    if task.state not in AGENT_STATES or ticket.status != TicketStatus.CLOSED.value:
        raise IllegalTransition(
            "该回访任务已完成或正在外呼，不能录入", code="survey_not_open", state=task.state
        )
    task.attempts += 1
    settle_attempt(
        ctx,
        task,
        policy or SurveyPolicy(),
        outcome=ANSWERED_OUTCOME,
        resolved=resolved,
        satisfaction=satisfaction,
        method=AGENT_CALL,
        actor=actor,
    )
    return task


def agent_worklist(ctx: Context, limit: int = 100) -> list[SurveyTask]:
    """What agents may call back by hand: failed ones first (unreachable, not understood), then due."""
    rows = ctx.session.execute(
        select(SurveyTask)
        .where(
            SurveyTask.state.in_(AGENT_STATES),
            or_(SurveyTask.state != SCHEDULED, SurveyTask.due_at <= ctx.now),
        )
        .order_by(SurveyTask.state == SCHEDULED, SurveyTask.id)
        .limit(limit)
    ).scalars()
    return list(rows)


def review_queue(ctx: Context, limit: int = 100) -> list[SurveyTask]:
    return list(
        ctx.session.execute(
            select(SurveyTask).where(SurveyTask.state == REVIEW).order_by(SurveyTask.id).limit(limit)
        ).scalars()
    )


def record_opt_out(ctx: Context, phone: PhoneInfo, opt_out: bool) -> Citizen:
    """The citizen asked not to be called (or to be called again); surveys not yet done stop now."""
    citizen = set_callback_opt_out(ctx.session, phone, opt_out)
    if opt_out:
        for task in ctx.session.execute(
            select(SurveyTask)
            .where(SurveyTask.phone_e164 == phone.e164, SurveyTask.state.in_(AGENT_STATES))
            .with_for_update()
        ).scalars():
            task.state, task.due_at = OPTED_OUT, None
    return citizen
