"""A citizen's request from the public form or the public API, through the one intake flow.

The form token (web.form_tokens) is the idempotency key, so a double submit makes one ticket; the
optional photo is checked before intake runs (a bad photo writes nothing) and attached afterwards,
at most once per ticket even when the citizen re-sends the form.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from sqlalchemy import select

from ticketing.attachments import check_upload, store_attachment
from ticketing.db import Database
from ticketing.errors import InvalidInput
from ticketing.intake import IntakeResult, submit
from ticketing.models import Attachment, Ticket
from ticketing.submission import Submission
from ticketing.ticket_actions import Actor
from ticketing.vocabulary import AttachmentKind, Channel, TicketType

FIELDS = ("contact_name", "contact_phone", "content", "ticket_type", "address", "latitude", "longitude")
ACTOR = Actor("政务服务网站")
PUBLIC_TYPES = tuple(TicketType)  # a citizen may file any of the six kinds


@dataclass(frozen=True)
class Photo:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class PublicRequest:
    contact_phone: str
    content: str
    contact_name: str | None = None
    ticket_type: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    photo: Photo | None = None


def _text(fields: Mapping[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"字段格式错误：{name}", code="invalid_fields", field=name)
    return value.strip() or None


def _coordinate(fields: Mapping[str, Any], name: str) -> float | None:
    value = fields.get(name)
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput("位置坐标格式错误", code="invalid_location", field=name) from None
    if number != number or isinstance(value, bool):  # NaN, or JSON true/false
        raise InvalidInput("位置坐标格式错误", code="invalid_location", field=name)
    return number


def parse_request(fields: Mapping[str, Any], photo: Photo | None = None) -> PublicRequest:
    """Checks what intake does not (the phone is required here); intake checks the rest."""
    phone = _text(fields, "contact_phone")
    if phone is None:
        raise InvalidInput(
            "请填写联系电话，以便办理单位与您联系", code="phone_required", field="contact_phone"
        )
    content = _text(fields, "content")
    if content is None:
        raise InvalidInput("诉求内容不能为空", code="content_required", field="content")
    ticket_type = _text(fields, "ticket_type")
    if ticket_type is not None and ticket_type not in {t.value for t in PUBLIC_TYPES}:
        raise InvalidInput(f"诉求类型无效：{ticket_type[:20]}", code="invalid_type", field="ticket_type")
    if photo is not None:
        check_upload(AttachmentKind.IMAGE.value, photo.filename, photo.content_type, photo.data)
    return PublicRequest(
        contact_phone=phone,
        content=content,
        contact_name=_text(fields, "contact_name"),
        ticket_type=ticket_type,
        address=_text(fields, "address"),
        latitude=_coordinate(fields, "latitude"),
        longitude=_coordinate(fields, "longitude"),
        photo=photo,
    )


async def read_photo(field: object) -> Photo | None:
    """The uploaded photo of a multipart form, or None when the citizen chose none."""
    if not isinstance(field, web.FileField) or not field.filename:
        return None
    data = await asyncio.to_thread(field.file.read)
    if not data:
        return None
    # aiohttp's own client percent-encodes non-ASCII names; browsers send them as UTF-8.
    return Photo(unquote(field.filename), field.content_type, data)


def _submission(req: PublicRequest, idempotency_key: str) -> Submission:
    return Submission(
        channel=Channel.WEB_FORM.value,
        content=req.content,
        ticket_type=req.ticket_type,
        contact_phone=req.contact_phone,
        contact_name=req.contact_name,
        address=req.address,
        latitude=req.latitude,
        longitude=req.longitude,
        idempotency_key=idempotency_key,
    )


def _attach_once(db: Database, data_dir: Path, ticket_id: int, photo: Photo) -> None:
    digest = hashlib.sha256(photo.data).hexdigest()
    with db.session() as session:
        ticket = session.get_one(Ticket, ticket_id)
        already = session.execute(
            select(Attachment.id).where(Attachment.ticket_id == ticket_id, Attachment.sha256 == digest)
        ).first()
        if already is None:
            store_attachment(
                session,
                data_dir,
                ticket,
                kind=AttachmentKind.IMAGE.value,
                filename=photo.filename,
                content_type=photo.content_type,
                data=photo.data,
                actor=ACTOR,
            )


def submit_public(db: Database, data_dir: Path, req: PublicRequest, idempotency_key: str) -> IntakeResult:
    """Synchronous (a worker thread): intake, then the photo. A retry after a crash between the two
    finds the ticket by its key and attaches the photo then."""
    result = submit(db, _submission(req, idempotency_key), actor=ACTOR)
    if req.photo is not None:
        _attach_once(db, data_dir, result.ticket_id, req.photo)
    return result
