"""Scheduling leader live-answer sessions (领导在线接听日): create, edit, cancel, with the checks that
keep a schedule the telephony workers can route by (one day, a real leader, a real unit, no overlap).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.errors import InvalidInput, NotFound
from ticketing.models import LeaderSession, OrgUnit, User
from ticketing.models.leader_sessions import CANCELLED, SCHEDULED
from ticketing.vocabulary import Role

BEIJING = ZoneInfo("Asia/Shanghai")
MAX_TOPIC_CHARS = 200
YEARS = (2000, 2100)


@dataclass(frozen=True)
class SessionPlan:
    """What an admin asks for, in Beijing time: a date and a window inside it."""

    leader_username: str
    unit_code: str
    day: dt.date
    start: dt.time
    end: dt.time
    topic: str
    public: bool = True
    sip_uri: str | None = None
    screened: bool = False

    @property
    def starts_at(self) -> dt.datetime:
        return dt.datetime.combine(self.day, self.start, BEIJING).astimezone(dt.UTC)

    @property
    def ends_at(self) -> dt.datetime:
        return dt.datetime.combine(self.day, self.end, BEIJING).astimezone(dt.UTC)


def parse_day(value: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"日期格式应为 YYYY-MM-DD：{value}", code="invalid_date", field="date") from None
    if not YEARS[0] <= day.year <= YEARS[1]:  # also keeps the UTC conversion inside datetime's range
        raise InvalidInput(f"日期超出范围：{value}", code="invalid_date", field="date")
    return day


def parse_clock(value: str, field: str) -> dt.time:
    try:
        parsed = dt.time.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"时间格式应为 HH:MM：{value}", code="invalid_time", field=field) from None
    if parsed.tzinfo is not None:
        raise InvalidInput(f"时间不带时区（按北京时间）：{value}", code="invalid_time", field=field)
    return parsed


def _leader(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.active:
        raise InvalidInput(f"领导账号不存在或已停用：{username}", code="unknown_leader", field="leader")
    if user.role not in (Role.LEADER.value, Role.ADMIN.value):
        raise InvalidInput(f"该账号不是领导：{username}", code="not_a_leader", field="leader")
    return user


def _unit(session: Session, code: str) -> OrgUnit:
    unit = session.execute(select(OrgUnit).where(OrgUnit.code == code)).scalar_one_or_none()
    if unit is None or not unit.active:
        raise InvalidInput(f"单位编码不存在或已停用：{code}", code="unknown_unit", field="unit_code")
    return unit


def _check_window(plan: SessionPlan) -> None:
    # A window is one date plus two clock times, so it cannot cross midnight; it must not be empty.
    if plan.end <= plan.start:
        raise InvalidInput("结束时间须晚于开始时间（同一天内）", code="invalid_window", field="end")
    if not plan.topic.strip() or len(plan.topic) > MAX_TOPIC_CHARS:
        raise InvalidInput(f"主题不能为空，最多 {MAX_TOPIC_CHARS} 字", code="invalid_topic", field="topic")
    if plan.sip_uri is not None and not plan.sip_uri.startswith(("sip:", "sips:")):
        raise InvalidInput(f"SIP 地址应以 sip: 开头：{plan.sip_uri}", code="invalid_sip_uri", field="sip_uri")


def _check_overlap(session: Session, leader: User, plan: SessionPlan, own_id: int | None) -> None:
    clash = session.execute(
        select(LeaderSession.id).where(
            LeaderSession.leader_user_id == leader.id,
            LeaderSession.status == SCHEDULED,
            LeaderSession.starts_at < plan.ends_at,
            LeaderSession.ends_at > plan.starts_at,
            LeaderSession.id != (own_id or 0),
        )
    ).first()
    if clash is not None:
        raise InvalidInput(
            f"该领导在此时段已有接听安排（编号 {clash[0]}）", code="session_overlap", field="start"
        )


def _apply(session: Session, row: LeaderSession, plan: SessionPlan) -> None:
    _check_window(plan)
    leader, unit = _leader(session, plan.leader_username), _unit(session, plan.unit_code)
    _check_overlap(session, leader, plan, row.id)
    row.leader_user_id, row.unit_id = leader.id, unit.id
    row.starts_at, row.ends_at = plan.starts_at, plan.ends_at
    row.topic, row.public, row.sip_uri = plan.topic.strip(), plan.public, plan.sip_uri
    row.screened = plan.screened


def schedule(session: Session, plan: SessionPlan) -> LeaderSession:
    row = LeaderSession(status=SCHEDULED)
    _apply(session, row, plan)
    session.add(row)
    session.flush()
    return row


def get_session(session: Session, session_id: int) -> LeaderSession:
    row = session.get(LeaderSession, session_id)
    if row is None:
        raise NotFound(f"接听安排不存在：{session_id}", code="unknown_leader_session")
    return row


def reschedule(session: Session, row: LeaderSession, plan: SessionPlan) -> None:
    if row.status == CANCELLED:
        raise InvalidInput("已取消的接听安排不能修改", code="session_cancelled")
    _apply(session, row, plan)
    session.flush()


def cancel(session: Session, row: LeaderSession, note: str | None) -> None:
    row.status, row.note = CANCELLED, note
    session.flush()


def plan_of(session: Session, row: LeaderSession) -> SessionPlan:
    """The stored session as a plan, so an edit can change only the fields it names."""
    leader, unit = session.get_one(User, row.leader_user_id), session.get_one(OrgUnit, row.unit_id)
    start, end = row.starts_at.astimezone(BEIJING), row.ends_at.astimezone(BEIJING)
    return SessionPlan(
        leader.username,
        unit.code,
        start.date(),
        start.time(),
        end.time(),
        row.topic,
        row.public,
        row.sip_uri,
        row.screened,
    )


def session_json(session: Session, row: LeaderSession) -> dict[str, Any]:
    leader, unit = session.get_one(User, row.leader_user_id), session.get_one(OrgUnit, row.unit_id)
    start, end = row.starts_at.astimezone(BEIJING), row.ends_at.astimezone(BEIJING)
    return {
        "id": row.id,
        "leader": leader.username,
        "leader_name": leader.display_name,
        "unit_code": unit.code,
        "unit_name": unit.name,
        "date": start.date().isoformat(),
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "starts_at": start.isoformat(),
        "ends_at": end.isoformat(),
        "topic": row.topic,
        "public": row.public,
        "sip_uri": row.sip_uri,
        "screened": row.screened,
        "status": row.status,
        "note": row.note,
    }


def list_sessions(session: Session, leader_user_id: int | None = None) -> list[LeaderSession]:
    query = select(LeaderSession).order_by(LeaderSession.starts_at.desc(), LeaderSession.id.desc())
    if leader_user_id is not None:
        query = query.where(LeaderSession.leader_user_id == leader_user_id)
    return list(session.execute(query.limit(500)).scalars())
