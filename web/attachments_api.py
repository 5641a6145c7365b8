"""Attachments of a ticket: list, upload (multipart, e.g. photos with a reply) and download. Downloads
honour HTTP Range (aiohttp's FileResponse), so the ticket page's audio player can seek in recordings."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote, unquote

from aiohttp import web
from sqlalchemy import select

from dispatch.operators import Forbidden
from dispatch.visibility import can_see
from ticketing.attachments import MAX_BYTES, attachment_path, store_attachment
from ticketing.errors import InvalidInput, NotFound
from ticketing.models import Attachment, Ticket
from ticketing.ticket_actions import load_for_update
from ticketing.vocabulary import AttachmentKind, Role
from web.auth import operator_of
from web.keys import DATA_DIR_KEY, DB_KEY
from web.request_parsing import ticket_id_of
from web.serialize import iso

UPLOAD_LIMIT = max(MAX_BYTES[AttachmentKind.IMAGE], MAX_BYTES[AttachmentKind.DOCUMENT])


def attachment_json(a: Attachment) -> dict[str, Any]:
    return {
        "id": a.id,
        "kind": a.kind,
        "kind_label": AttachmentKind(a.kind).label,
        "filename": a.filename,
        "content_type": a.content_type,
        "size_bytes": a.size_bytes,
        "created_at": iso(a.created_at),
        "url": f"/api/attachments/{a.id}/content",
    }


def list_for(session: Any, ticket_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Attachment).where(Attachment.ticket_id == ticket_id).order_by(Attachment.id)
    ).scalars()
    return [attachment_json(a) for a in rows]


async def list_attachments(request: web.Request) -> web.Response:
    operator, ticket_id = operator_of(request), ticket_id_of(request)
    db = request.app[DB_KEY]

    def load() -> list[dict[str, Any]]:
        with db.read_session() as s:
            if s.get(Ticket, ticket_id) is None or not can_see(s, operator, ticket_id):
                raise NotFound("工单不存在", code="ticket_not_found")
            return list_for(s, ticket_id)

    return web.json_response({"items": await asyncio.to_thread(load)})


async def _read_upload(request: web.Request) -> tuple[str, str, str, bytes]:
    if not request.content_type.startswith("multipart/"):
        raise InvalidInput("请以 multipart/form-data 上传文件（字段 file）", code="multipart_required")
    kind, file_part = "", None
    reader = await request.multipart()
    async for part in reader:
        if part.name == "kind":
            kind = (await part.text()).strip()
        elif part.name == "file" and file_part is None:
            data = await part.read(decode=False)
            if len(data) > UPLOAD_LIMIT:
                raise InvalidInput(f"文件过大：最多 {UPLOAD_LIMIT} 字节", code="file_too_large")
            # aiohttp's own client percent-encodes non-ASCII names; browsers send them raw.
            name = unquote(part.filename or "")
            file_part = (name, part.headers.get("Content-Type", ""), bytes(data))
    if file_part is None:
        raise InvalidInput("缺少文件（字段 file）", code="file_required", field="file")
    filename, content_type, data = file_part
    if not kind:  # the type names the kind when the form does not
        kind = "image" if content_type.startswith("image/") else "document"
    return kind, filename, content_type.split(";")[0].strip(), data


async def upload_attachment(request: web.Request) -> web.Response:
    operator, ticket_id = operator_of(request), ticket_id_of(request)
    if operator.role == Role.ANALYST.value:
        raise Forbidden("分析员不能上传附件")
    kind, filename, content_type, data = await _read_upload(request)
    db, data_dir = request.app[DB_KEY], request.app[DATA_DIR_KEY]

    def store() -> dict[str, Any]:
        with db.session() as s:
            if s.get(Ticket, ticket_id) is None or not can_see(s, operator, ticket_id):
                raise NotFound("工单不存在", code="ticket_not_found")
            ticket = load_for_update(s, ticket_id)
            attachment = store_attachment(
                s,
                data_dir,
                ticket,
                kind=kind,
                filename=filename,
                content_type=content_type,
                data=data,
                actor=operator.actor,
            )
            return attachment_json(attachment)

    return web.json_response(await asyncio.to_thread(store), status=201)


async def attachment_content(request: web.Request) -> web.StreamResponse:
    operator = operator_of(request)
    try:
        attachment_id = int(request.match_info["attachment_id"])
    except ValueError:
        raise NotFound("附件不存在", code="attachment_not_found") from None
    db, data_dir = request.app[DB_KEY], request.app[DATA_DIR_KEY]

    def load() -> Attachment:
        with db.read_session() as s:
            attachment = s.get(Attachment, attachment_id)
            if (
                attachment is None
                or attachment.ticket_id is None
                or not can_see(s, operator, attachment.ticket_id)
            ):
                raise NotFound("附件不存在", code="attachment_not_found")
            return attachment

    attachment = await asyncio.to_thread(load)
    path = attachment_path(data_dir, attachment)
    if not path.exists():
        raise NotFound("附件文件缺失", code="attachment_missing")
    disposition = f"inline; filename*=UTF-8''{quote(attachment.filename)}"
    return web.FileResponse(
        path, headers={"Content-Type": attachment.content_type, "Content-Disposition": disposition}
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get(r"/api/tickets/{ticket_id}/attachments", list_attachments)
    app.router.add_post(r"/api/tickets/{ticket_id}/attachments", upload_attachment)
    app.router.add_get(r"/api/attachments/{attachment_id}/content", attachment_content)
