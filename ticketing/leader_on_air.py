"""Which leader live-answer session is on the air now: what the telephony workers route by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.models import LeaderSession, PhoneAccount, User
from ticketing.models.leader_sessions import SCHEDULED


@dataclass(frozen=True)
class OnAir:
    session_id: int
    leader_username: str
    sip_uri: str
    starts_at: datetime
    ends_at: datetime
    screened: bool = False  # an agent answers first and hands the caller to the leader


def sessions_around(
    session: Session, start: datetime, end: datetime, registered_phone_uri: str = ""
) -> list[OnAir]:
    """Scheduled sessions overlapping [start, end) whose leader can be rung, earliest first: at the
    session's or the leader's SIP URI, else at the phone the leader registered at the edge."""
    rows = session.execute(
        select(LeaderSession, User, PhoneAccount.user_id)
        .join(User, User.id == LeaderSession.leader_user_id)
        .outerjoin(PhoneAccount, PhoneAccount.user_id == User.id)
        .where(
            LeaderSession.status == SCHEDULED,
            LeaderSession.starts_at < end,
            LeaderSession.ends_at > start,
            User.active.is_(True),
        )
        .order_by(LeaderSession.starts_at, LeaderSession.id)
    ).all()
    found = []
    for row, leader, phone in rows:
        registered = registered_phone_uri.format(username=leader.username) if phone is not None else ""
        uri = row.sip_uri or leader.sip_uri or registered
        if uri:
            found.append(OnAir(row.id, leader.username, uri, row.starts_at, row.ends_at, row.screened))
    return found


def on_air(sessions: list[OnAir], now: datetime) -> OnAir | None:
    return next((s for s in sessions if s.starts_at <= now < s.ends_at), None)
