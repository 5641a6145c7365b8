"""What every channel hands to intake, and the checks it must pass before anything is written."""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from typing import Any, get_args, get_type_hints

from ticketing.errors import InvalidInput
from ticketing.vocabulary import Channel, Grade, LabelledEnum, TicketType

MAX_CONTENT_CHARS = 5000
MAX_TITLE_CHARS = 200
MAX_TRANSCRIPT_CHARS = 50_000
MAX_NAME_CHARS = 100
MAX_ADDRESS_CHARS = 300
MAX_KEY_CHARS = 128
TITLE_FROM_CONTENT_CHARS = 30

# Defaults per channel: a bad rating is a complaint, everything else starts as a consultation.
DEFAULT_TYPE = {Channel.RATING_DEVICE: TicketType.COMPLAINT, Channel.QR_RATING: TicketType.COMPLAINT}


@dataclass
class Submission:
    channel: str
    content: str
    title: str | None = None
    ticket_type: str | None = None
    grade: str = Grade.NORMAL.value
    category_code: str | None = None
    contact_phone: str | None = None
    contact_name: str | None = None
    anonymous: bool = False
    confidential: bool = False
    callback_requested: bool = False
    transcript: str | None = None
    address: str | None = None
    area_code: str | None = None  # an org unit code: the community/street/district where it happened
    latitude: float | None = None
    longitude: float | None = None
    idempotency_key: str | None = None
    draft: bool = False  # voicemail and speech-to-text tickets wait for an agent
    extra: dict[str, Any] = field(default_factory=dict)


def _reject(code: str, message: str, field_name: str) -> InvalidInput:
    return InvalidInput(message, code=code, field=field_name)


def _parse_enum(enum: type[LabelledEnum], value: str, code: str, what: str, field_name: str) -> str:
    try:
        return enum.parse(value).value
    except ValueError:
        allowed = "、".join(member.label for member in enum)
        raise _reject(code, f"{what}无效：{value}（可选：{allowed}）", field_name) from None


def _check_length(value: str | None, limit: int, code: str, what: str, field_name: str) -> None:
    if value is not None and len(value) > limit:
        raise _reject(code, f"{what}过长：{len(value)} 字，最多 {limit} 字", field_name)


_TYPE_NAMES = {str: "文本", float: "数字", bool: "true/false", dict: "对象"}


def _accepted_type(hint: Any) -> type:
    """The one non-None type of a field's annotation (`str | None` → str)."""
    if isinstance(hint, types.UnionType):
        return next(arg for arg in get_args(hint) if arg is not type(None))
    return getattr(hint, "__origin__", hint)


def _check_types(sub: Submission) -> None:
    """Channels hand over decoded JSON, so a field may hold any JSON value: refuse the wrong kinds here
    rather than fail deep inside intake. Integers are numbers; true/false is not."""
    for name, hint in get_type_hints(Submission).items():
        value, accepted = getattr(sub, name), _accepted_type(hint)
        if value is None:
            continue
        numeric = accepted is float and isinstance(value, int | float) and not isinstance(value, bool)
        if not (numeric or isinstance(value, accepted)):
            raise _reject("invalid_field_type", f"字段 {name} 应为{_TYPE_NAMES[accepted]}", name)


def validate(sub: Submission) -> Submission:
    """A cleaned copy of `sub`, or InvalidInput naming the first problem (nothing has been written)."""
    _check_types(sub)
    channel = Channel(_parse_enum(Channel, sub.channel, "invalid_channel", "受理渠道", "channel"))
    content = (sub.content or "").strip()
    if not content:
        raise _reject("content_required", "诉求内容不能为空", "content")
    _check_length(content, MAX_CONTENT_CHARS, "content_too_long", "诉求内容", "content")
    title = (sub.title or "").strip() or content[:TITLE_FROM_CONTENT_CHARS]
    _check_length(title, MAX_TITLE_CHARS, "title_too_long", "标题", "title")
    _check_length(sub.transcript, MAX_TRANSCRIPT_CHARS, "transcript_too_long", "通话转写", "transcript")
    _check_length(sub.contact_name, MAX_NAME_CHARS, "name_too_long", "联系人姓名", "contact_name")
    _check_length(sub.address, MAX_ADDRESS_CHARS, "address_too_long", "地址", "address")
    _check_length(sub.idempotency_key, MAX_KEY_CHARS, "idempotency_key_too_long", "幂等键", "idempotency_key")
    ticket_type = sub.ticket_type or DEFAULT_TYPE.get(channel, TicketType.CONSULTATION).value
    if sub.latitude is not None and not -90 <= sub.latitude <= 90:
        raise _reject("invalid_location", f"纬度超出范围：{sub.latitude}", "latitude")
    if sub.longitude is not None and not -180 <= sub.longitude <= 180:
        raise _reject("invalid_location", f"经度超出范围：{sub.longitude}", "longitude")
    if (sub.latitude is None) != (sub.longitude is None):
        raise _reject("invalid_location", "经纬度须同时提供", "latitude")
    return Submission(
        channel=channel.value,
        content=content,
        title=title,
        ticket_type=_parse_enum(TicketType, ticket_type, "invalid_type", "诉求类型", "ticket_type"),
        grade=_parse_enum(Grade, sub.grade, "invalid_grade", "紧急程度", "grade"),
        category_code=(sub.category_code or "").strip() or None,
        contact_phone=(sub.contact_phone or "").strip() or None,
        contact_name=(sub.contact_name or "").strip() or None,
        anonymous=bool(sub.anonymous),
        confidential=bool(sub.confidential),
        callback_requested=bool(sub.callback_requested),
        transcript=sub.transcript,
        address=(sub.address or "").strip() or None,
        area_code=(sub.area_code or "").strip() or None,
        latitude=sub.latitude,
        longitude=sub.longitude,
        idempotency_key=(sub.idempotency_key or "").strip() or None,
        draft=bool(sub.draft) or channel is Channel.VOICEMAIL,
        extra=dict(sub.extra),
    )
