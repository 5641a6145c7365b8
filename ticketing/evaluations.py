"""Recording one 好差评 evaluation, from a device, a QR page or the default rule.

What a rater sends is checked here (the same rules for every channel); the insert is one atomic
statement that does nothing when the device already delivered that idempotency key, so a device
replaying its offline buffer any number of times, even concurrently, leaves exactly one record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ticketing.errors import InvalidInput
from ticketing.models import Evaluation, RatingDevice, utcnow
from ticketing.phones import normalise_phone
from ticketing.vocabulary import BAD_RATING_LEVELS, RatingLevel

MAX_REASONS = 10
MAX_REASON_CHARS = 20
MAX_SERVICE_ITEM_CHARS = 200
MAX_CASE_NUMBER_CHARS = 64
MAX_COMMENT_CHARS = 500
MAX_KEY_CHARS = 128
# A device may hold ratings for weeks while its network is down; a clock far in the future is wrong.
MAX_BUFFER_AGE = timedelta(days=90)
MAX_CLOCK_AHEAD = timedelta(minutes=10)
# Offered on devices and the QR page; raters pick any (free text is the comment).
GOOD_REASONS = ("热情周到", "办事高效", "一次办好", "指引清楚")
BAD_REASONS = ("态度不好", "效率低", "多次跑动", "材料要求不清", "等候时间长", "未一次告知")


@dataclass(frozen=True)
class Rated:
    """Whose service is rated: the unit always, hall/window/staff/device/ticket where known."""

    unit_id: int
    hall_id: int | None = None
    window_id: int | None = None
    staff_user_id: int | None = None
    device_id: int | None = None
    ticket_id: int | None = None

    @classmethod
    def by_device(cls, device: RatingDevice) -> Rated:
        return cls(device.unit_id, device.hall_id, device.window_id, device.staff_user_id, device.id)


@dataclass(frozen=True)
class RatingInput:
    level: str
    rated_at: datetime
    reasons: list[str] = field(default_factory=list)
    service_item: str | None = None
    case_number: str | None = None
    rater_phone: str | None = None
    comment: str | None = None
    idempotency_key: str | None = None


def _reject(code: str, message: str, field_name: str) -> InvalidInput:
    return InvalidInput(message, code=code, field=field_name)


def _optional_text(body: dict[str, Any], name: str, limit: int, what: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _reject("invalid_field_type", f"{what}应为文本", name)
    value = value.strip()
    if len(value) > limit:
        raise _reject(f"{name}_too_long", f"{what}过长：最多 {limit} 字", name)
    return value or None


def parse_level(value: object) -> str:
    """The stored value of a level given as its value or its Chinese label."""
    for level in RatingLevel:
        if value in (level.value, level.label):
            return level.value
    allowed = "、".join(level.label for level in RatingLevel)
    raise _reject("invalid_level", f"评价等级无效（可选：{allowed}）", "level")


def _reasons(value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _reject("invalid_reasons", "评价原因应为文本列表", "reasons")
    reasons = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    if len(reasons) > MAX_REASONS or any(len(r) > MAX_REASON_CHARS for r in reasons):
        raise _reject(
            "invalid_reasons", f"评价原因最多 {MAX_REASONS} 项、每项 {MAX_REASON_CHARS} 字", "reasons"
        )
    return reasons


def _moment(value: object, now: datetime) -> datetime:
    if value is None:
        return now
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _reject("invalid_rated_at", "评价时间须为带时区的 ISO 8601 时间", "rated_at")
    if not now - MAX_BUFFER_AGE <= moment <= now + MAX_CLOCK_AHEAD:
        raise _reject("rated_at_out_of_range", "评价时间超出允许范围（设备时钟有误？）", "rated_at")
    return moment


def parse_rating(body: dict[str, Any], now: datetime | None = None) -> RatingInput:
    """A checked RatingInput from decoded JSON or form fields, or InvalidInput naming the field."""
    now = now or utcnow()
    phone = _optional_text(body, "phone", 40, "联系电话")
    return RatingInput(
        level=parse_level(body.get("level")),
        rated_at=_moment(body.get("rated_at"), now),
        reasons=_reasons(body.get("reasons")),
        service_item=_optional_text(body, "service_item", MAX_SERVICE_ITEM_CHARS, "服务事项"),
        case_number=_optional_text(body, "case_number", MAX_CASE_NUMBER_CHARS, "办件编号"),
        rater_phone=normalise_phone(phone).e164 if phone else None,
        comment=_optional_text(body, "comment", MAX_COMMENT_CHARS, "评价意见"),
        idempotency_key=_optional_text(body, "idempotency_key", MAX_KEY_CHARS, "幂等键"),
    )


def is_bad(level: str) -> bool:
    return RatingLevel(level) in BAD_RATING_LEVELS


@dataclass(frozen=True)
class Recorded:
    id: int
    created: bool  # False: the first record of this key (or ticket), unchanged
    level: str
    bad_ticket_id: int | None


def record_evaluation(
    session: Session, source: str, rated: Rated, rating: RatingInput, *, now: datetime | None = None
) -> Recorded:
    """Insert the evaluation; a key the device already delivered, or a ticket that is already rated
    (一事一评), returns the first record unchanged. One statement when new: devices call this a lot."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = Evaluation.__table__
    new_id = session.execute(
        insert(table)
        .values(
            source=source,
            device_id=rated.device_id,
            idempotency_key=rating.idempotency_key,
            level=rating.level,
            reasons=rating.reasons,
            service_item=rating.service_item,
            case_number=rating.case_number,
            rated_ticket_id=rated.ticket_id,
            unit_id=rated.unit_id,
            hall_id=rated.hall_id,
            window_id=rated.window_id,
            staff_user_id=rated.staff_user_id,
            rater_phone=rating.rater_phone,
            comment=rating.comment,
            rated_at=rating.rated_at,
            received_at=now or utcnow(),
            excluded=False,
        )
        .on_conflict_do_nothing()
        .returning(table.c.id)
    ).scalar_one_or_none()
    if new_id is not None:
        return Recorded(new_id, True, rating.level, None)
    return _first_record(session, rated, rating)


def _first_record(session: Session, rated: Rated, rating: RatingInput) -> Recorded:
    query = select(Evaluation.id, Evaluation.level, Evaluation.bad_ticket_id)
    if rated.ticket_id is not None:
        query = query.where(Evaluation.rated_ticket_id == rated.ticket_id)
    else:
        query = query.where(
            Evaluation.device_id == rated.device_id, Evaluation.idempotency_key == rating.idempotency_key
        )
    found = session.execute(query).one()
    return Recorded(found.id, False, found.level, found.bad_ticket_id)


def rater_phone_for_ticket(session: Session, ticket_id: int) -> str | None:
    """The number a 差评's rater left for the feedback call (the ticket itself carries none)."""
    return session.execute(
        select(Evaluation.rater_phone).where(Evaluation.bad_ticket_id == ticket_id)
    ).scalar_one_or_none()
