"""Files attached to tickets (recordings, voicemail, photos, documents), stored under the data dir.

The file is written to a temporary name, flushed to disk and renamed into place before its row is
added, so a crash leaves either nothing or a complete file; files are named by their SHA-256, so a
retried upload stores the bytes once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from datetime import datetime
from pathlib import Path, PurePath

from sqlalchemy.orm import Session

from ticketing.errors import InvalidInput
from ticketing.models import Attachment, Ticket
from ticketing.ticket_actions import Actor, perform
from ticketing.vocabulary import AttachmentKind

MAX_BYTES = {
    AttachmentKind.AUDIO: 200 * 2**20,
    AttachmentKind.IMAGE: 20 * 2**20,
    AttachmentKind.DOCUMENT: 20 * 2**20,
}
ALLOWED_TYPES = {
    AttachmentKind.AUDIO: {"audio/wav", "audio/x-wav", "audio/mpeg", "audio/ogg"},
    AttachmentKind.IMAGE: {"image/jpeg", "image/png", "image/webp"},
    AttachmentKind.DOCUMENT: {"application/pdf", "text/plain"},
}
# Magic numbers: the declared type must match what the bytes are.
SIGNATURES = {
    "audio/wav": (b"RIFF",),
    "audio/x-wav": (b"RIFF",),
    "audio/mpeg": (b"ID3", b"\xff\xfb", b"\xff\xf3"),
    "audio/ogg": (b"OggS",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF",),
}


def _reject(code: str, message: str) -> InvalidInput:
    return InvalidInput(message, code=code, field="attachment")


def _check(kind: AttachmentKind, filename: str, content_type: str, data: bytes) -> str:
    name = PurePath(filename.replace("\\", "/")).name.strip()
    if not name or len(name) > 200:
        raise _reject("invalid_filename", f"文件名无效：{filename!r}")
    if content_type not in ALLOWED_TYPES[kind]:
        allowed = "、".join(sorted(ALLOWED_TYPES[kind]))
        raise _reject("unsupported_type", f"不支持的文件类型：{content_type}（可用：{allowed}）")
    if not data:
        raise _reject("empty_file", "文件为空")
    if len(data) > MAX_BYTES[kind]:
        raise _reject("file_too_large", f"文件过大：{len(data)} 字节，最多 {MAX_BYTES[kind]} 字节")
    if content_type in SIGNATURES and not data.startswith(SIGNATURES[content_type]):
        raise _reject("content_mismatch", f"文件内容与类型 {content_type} 不符")
    return name


def check_upload(kind: str, filename: str, content_type: str, data: bytes) -> str:
    """The cleaned file name, or InvalidInput: lets a channel refuse a bad file before writing anything."""
    try:
        attachment_kind = AttachmentKind(kind)
    except ValueError:
        raise _reject("invalid_kind", f"附件类别无效：{kind}") from None
    return _check(attachment_kind, filename, content_type, data)


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        return
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def store_attachment(
    session: Session,
    data_dir: Path,
    ticket: Ticket,
    *,
    kind: str,
    filename: str,
    content_type: str,
    data: bytes,
    actor: Actor,
    now: datetime | None = None,
) -> Attachment:
    attachment = store_file(
        session, data_dir, kind=kind, filename=filename, content_type=content_type, data=data, now=now
    )
    attachment.ticket_id = ticket.id
    session.flush()
    name = attachment.filename
    perform(
        session,
        ticket,
        "add_attachment",
        actor,
        {
            "attachment_id": attachment.id,
            "kind": attachment.kind,
            "filename": name,
            "size_bytes": len(data),
        },
        now=now,
    )
    return attachment


def store_file(
    session: Session,
    data_dir: Path,
    *,
    kind: str,
    filename: str,
    content_type: str,
    data: bytes,
    now: datetime | None = None,
) -> Attachment:
    """The checked, atomically written file and its row, not yet on any ticket (a call recording
    exists before the agent creates the ticket; `store_attachment` puts files on tickets)."""
    name = check_upload(kind, filename, content_type, data)
    attachment_kind = AttachmentKind(kind)
    digest = hashlib.sha256(data).hexdigest()
    relative = Path("attachments") / digest[:2] / digest
    _write_atomically(data_dir / relative, data)
    attachment = Attachment(
        ticket_id=None,
        kind=attachment_kind.value,
        filename=name,
        content_type=content_type,
        size_bytes=len(data),
        sha256=digest,
        storage_path=str(relative),
    )
    if now is not None:
        attachment.created_at = now
    session.add(attachment)
    session.flush()
    return attachment


def attachment_path(data_dir: Path, attachment: Attachment) -> Path:
    return data_dir / attachment.storage_path
