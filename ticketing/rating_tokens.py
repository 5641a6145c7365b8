"""QR rating tokens: the secret in one QR code (一事一评 for a closed ticket, 一次一评 for a window
visit). Like device tokens they are random, shown once and stored only as a hash; each rates once and
expires. Using one locks its row, so two phones scanning the same code cannot both rate.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.api_keys import MAX_KEY_CHARS, hash_key
from ticketing.errors import HotlineError, IllegalTransition, NotFound
from ticketing.evaluations import Rated, RatingInput, Recorded, record_evaluation
from ticketing.models import RatingToken, ServiceWindow, Ticket, User, utcnow
from ticketing.vocabulary import RATING_CHANNELS, TicketStatus

TOKEN_BYTES = 24
TICKET_TOKEN_TTL = timedelta(days=7)  # the 好差评 window after closure
VISIT_TOKEN_TTL = timedelta(days=1)
RATEABLE_STATES = frozenset({TicketStatus.CLOSED.value, TicketStatus.VISITED.value})
TICKET, VISIT = "ticket", "visit"


class TokenGone(HotlineError):
    code = "rating_token_gone"
    http_status = 410


def _issue(session: Session, row: RatingToken) -> str:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row.token_hash = hash_key(token)
    session.add(row)
    session.flush()
    return token


def issue_ticket_token(
    session: Session, ticket_id: int, unit_id: int, *, now: datetime | None = None
) -> tuple[RatingToken, str]:
    """一事一评 for a closed ticket, rating `unit_id` (the unit that handled it)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"工单不存在：{ticket_id}", code="ticket_not_found")
    if ticket.status not in RATEABLE_STATES or ticket.channel in RATING_CHANNELS:
        raise IllegalTransition("只有已办结的诉求工单可以评价", code="ticket_not_rateable")
    now = now or utcnow()
    row = RatingToken(
        kind=TICKET, ticket_id=ticket_id, unit_id=unit_id, created_at=now, expires_at=now + TICKET_TOKEN_TTL
    )
    return row, _issue(session, row)


def issue_visit_token(
    session: Session, window_id: int, staff_user_id: int | None = None, *, now: datetime | None = None
) -> tuple[RatingToken, str]:
    """一次一评 for one visit to a window (optionally one staff member's service)."""
    window = session.get(ServiceWindow, window_id)
    if window is None or not window.active:
        raise NotFound(f"窗口不存在或已停用：{window_id}", code="window_not_found")
    if staff_user_id is not None and session.get(User, staff_user_id) is None:
        raise NotFound(f"工作人员不存在：{staff_user_id}", code="unknown_user")
    now = now or utcnow()
    row = RatingToken(
        kind=VISIT,
        window_id=window_id,
        staff_user_id=staff_user_id,
        unit_id=window.unit_id,
        created_at=now,
        expires_at=now + VISIT_TOKEN_TTL,
    )
    return row, _issue(session, row)


def open_token(
    session: Session, token: str, *, now: datetime | None = None, lock: bool = False
) -> RatingToken:
    """The usable token row, or NotFound (unknown) / TokenGone (used or expired)."""
    if not token or len(token) > MAX_KEY_CHARS:
        raise NotFound("评价二维码无效", code="rating_token_unknown")
    query = select(RatingToken).where(RatingToken.token_hash == hash_key(token))
    row = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if row is None:
        raise NotFound("评价二维码无效", code="rating_token_unknown")
    if row.used_at is not None:
        raise TokenGone("您已评价过，感谢您的参与", code="rating_token_used")
    if row.expires_at <= (now or utcnow()):
        raise TokenGone("该评价二维码已过期", code="rating_token_expired")
    return row


def rate_with_token(
    session: Session, token: str, rating: RatingInput, *, now: datetime | None = None
) -> tuple[RatingToken, Recorded]:
    now = now or utcnow()
    row = open_token(session, token, now=now, lock=True)
    hall_id = None
    if row.window_id is not None:
        hall_id = session.get_one(ServiceWindow, row.window_id).hall_id
    rated = Rated(
        unit_id=row.unit_id,
        hall_id=hall_id,
        window_id=row.window_id,
        staff_user_id=row.staff_user_id,
        ticket_id=row.ticket_id,
    )
    evaluation = record_evaluation(session, "qr_rating", rated, rating, now=now)
    if not evaluation.created:  # another code of the same ticket was used first: one ticket, one rating
        raise TokenGone("该诉求已评价过，感谢您的参与", code="rating_token_used")
    row.used_at, row.evaluation_id = now, evaluation.id
    return row, evaluation


def spent_evaluation_id(session: Session, token: str) -> int | None:
    """The evaluation a used token gave (for showing the rater the follow-up), else None."""
    if not token or len(token) > MAX_KEY_CHARS:
        return None
    return session.execute(
        select(RatingToken.evaluation_id).where(RatingToken.token_hash == hash_key(token))
    ).scalar_one_or_none()
