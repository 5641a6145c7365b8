"""Agent service levels of GB/T 33358-2016 from the call records (CDR), per period and per agent.

- 15 s answer rate (15秒接通率): inbound calls answered by a person within 15 s of joining the queue,
  over the calls that joined the queue (人工服务请求量).
- Abandonment (呼损率/放弃率): queued calls the caller hung up on before an agent answered.
- Average handling time (平均处理时长): from answer to hang-up, over answered calls.
Abandoned calls reach no agent, so they appear only in the whole-hotline row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from dispatch.assessment_period import Period, beijing_day, seconds_between
from ticketing.models import CallRecord, User

ANSWER_TARGET_SECONDS = 15
ABANDONED = "abandoned"


@dataclass
class CallFigures:
    label: str  # an agent's name, or "全部" for the hotline
    agent_user_id: int | None
    offered: int
    answered: int
    answered_within_target: int
    abandoned: int
    average_handling_seconds: float | None
    answer_rate_15s: float | None
    abandonment_rate: float | None


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


def _columns(session: Session) -> list[Any]:
    answered = CallRecord.answered_at.is_not(None)
    in_time = and_(answered, CallRecord.wait_seconds <= ANSWER_TARGET_SECONDS)
    handling = seconds_between(session, CallRecord.answered_at, CallRecord.ended_at)
    return [
        func.count(),
        func.count(CallRecord.answered_at),
        func.count(CallRecord.answered_at).filter(in_time),
        func.count().filter(CallRecord.outcome == ABANDONED),
        func.avg(handling).filter(answered, CallRecord.ended_at.is_not(None)),
    ]


def _queued(period: Period) -> list[Any]:
    return [
        CallRecord.direction == "inbound",
        CallRecord.queued_at.is_not(None),
        CallRecord.started_at >= period.start,
        CallRecord.started_at < period.end,
    ]


def _figures(label: str, agent: int | None, row: Any) -> CallFigures:
    offered, answered, within, abandoned, handling = row
    return CallFigures(
        label,
        agent,
        offered,
        answered,
        within,
        abandoned,
        None if handling is None else round(float(handling), 1),
        _rate(within, offered),
        _rate(abandoned, offered),
    )


def call_figures(session: Session, period: Period) -> list[CallFigures]:
    """The hotline's row first, then one row per agent who answered calls, busiest first."""
    total = session.execute(select(*_columns(session)).where(*_queued(period))).one()
    rows = [_figures("全部", None, total)]
    per_agent = session.execute(
        select(CallRecord.agent_user_id, User.display_name, *_columns(session))
        .join(User, User.id == CallRecord.agent_user_id)
        .where(*_queued(period))
        .group_by(CallRecord.agent_user_id, User.display_name)
        .order_by(func.count().desc(), User.display_name)
    ).all()
    rows.extend(_figures(row[1], row[0], row[2:]) for row in per_agent)
    return rows


def daily_answer_rates(session: Session, period: Period) -> dict[str, float | None]:
    """The 15 s answer rate of each Beijing day of the period (None for a day without queued calls)."""
    day = beijing_day(session, CallRecord.started_at)
    in_time = and_(CallRecord.answered_at.is_not(None), CallRecord.wait_seconds <= ANSWER_TARGET_SECONDS)
    found = {
        d: _rate(within, offered)
        for d, offered, within in session.execute(
            select(day, func.count(), func.count().filter(in_time)).where(*_queued(period)).group_by(day)
        )
    }
    return {d: found.get(d) for d in period.days()}
