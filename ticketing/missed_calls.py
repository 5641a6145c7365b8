"""The missed-call callback list (every abandoned call is called back, DESIGN §8).

A caller who hung up in the queue appears once, however often they tried, until an agent records a
callback; a caller who got through later (answered or left a voicemail, which has its own callback
flag on its draft ticket) needs no callback and drops off the list by itself. Numbers that cannot be
dialled back (withheld, not E.164) are not listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session, aliased

from ticketing.errors import Conflict, InvalidInput, NotFound
from ticketing.models import CallRecord, utcnow

ABANDONED = "abandoned"
REACHED_LATER = ("answered", "voicemail", "self_service")
OUTCOMES = {
    "reached": "已回拨接通",
    "no_answer": "回拨无人接听",
    "busy": "回拨占线",
    "wrong_number": "空号或错号",
}
LOOK_BACK = timedelta(days=7)
MAX_NOTE = 500


@dataclass(frozen=True)
class MissedCaller:
    call_record_id: int  # the latest abandoned call of this number
    caller: str
    attempts: int
    first_at: datetime
    last_at: datetime
    longest_wait_seconds: float | None


def _got_through_later() -> object:
    later = aliased(CallRecord)
    return exists().where(
        later.caller == CallRecord.caller,
        later.direction == "inbound",
        later.outcome.in_(REACHED_LATER),
        later.started_at > CallRecord.started_at,
    )


def missed_callers(session: Session, *, now: datetime | None = None, limit: int = 200) -> list[MissedCaller]:
    """Who still waits for a callback, the longest-waiting first."""
    since = (now or utcnow()) - LOOK_BACK
    rows = session.execute(
        select(CallRecord)
        .where(
            CallRecord.outcome == ABANDONED,
            CallRecord.callback_at.is_(None),
            CallRecord.started_at >= since,
            CallRecord.caller.like("+%"),
            ~_got_through_later(),
        )
        .order_by(CallRecord.started_at)
    ).scalars()
    found: dict[str, list[CallRecord]] = {}
    for row in rows:
        found.setdefault(row.caller or "", []).append(row)
    callers = [
        MissedCaller(
            call_record_id=calls[-1].id,
            caller=number,
            attempts=len(calls),
            first_at=calls[0].started_at,
            last_at=calls[-1].started_at,
            longest_wait_seconds=max((c.wait_seconds or 0.0 for c in calls), default=None),
        )
        for number, calls in found.items()
    ]
    return callers[:limit]


def record_callback(
    session: Session,
    call_record_id: int,
    *,
    user_id: int,
    outcome: str,
    note: str | None = None,
    now: datetime | None = None,
) -> int:
    """Records the callback on this call and on the number's earlier uncalled abandoned calls; returns
    how many calls it covers. A second callback on the same call is refused."""
    if outcome not in OUTCOMES:
        allowed = "、".join(f"{k}（{v}）" for k, v in OUTCOMES.items())
        raise InvalidInput(f"回拨结果须为：{allowed}", code="invalid_callback_outcome", field="outcome")
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidInput(f"备注不能超过 {MAX_NOTE} 字", code="note_too_long", field="note")
    call = session.get(CallRecord, call_record_id)
    if call is None or call.outcome != ABANDONED:
        raise NotFound("没有这条未接来电", code="missed_call_not_found")
    if call.callback_at is not None:
        raise Conflict("这通未接来电已经回拨过", code="already_called_back")
    covered = session.execute(
        update(CallRecord)
        .where(
            and_(
                CallRecord.caller == call.caller,
                CallRecord.outcome == ABANDONED,
                CallRecord.callback_at.is_(None),
                CallRecord.started_at <= call.started_at,
            )
        )
        .values(
            callback_at=now or utcnow(),
            callback_user_id=user_id,
            callback_outcome=outcome,
            callback_note=note,
        )
        .execution_options(synchronize_session=False)
    )
    return covered.rowcount
