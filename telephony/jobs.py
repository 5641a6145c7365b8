"""RQ jobs of the telephony workers: everything that touches the database happens here, never in a
SIP process. Both jobs are idempotent on the SIP Call-ID (a retried job finds its call record and
stops), and the raw recording is deleted only after the database holds its copy.

A worker process is told its database, data dir and speech model once (`configure`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.attachments import store_attachment, store_file
from ticketing.call_links import attach_recording, call_record
from ticketing.db import Database
from ticketing.intake import submit
from ticketing.models import CallRecord, Ticket, User
from ticketing.submission import Submission
from ticketing.ticket_actions import Actor
from ticketing.vocabulary import AttachmentKind, Channel

log = logging.getLogger(__name__)
NO_SPEECH = "电话留言（未识别出文字，请听录音）"
_settings: dict[str, Any] = {}


def configure(database_url: str, data_dir: Path, voice_model: str = "") -> None:
    _settings.update(database_url=database_url, data_dir=Path(data_dir), voice_model=voice_model)


def _setting(name: str) -> Any:
    if name not in _settings:
        raise RuntimeError("telephony.jobs.configure(...) was not called in this worker")
    return _settings[name]


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _fill(row: CallRecord, session: Session, record: dict[str, Any]) -> None:
    agent_id = None
    if record.get("agent"):
        agent_id = session.execute(
            select(User.id).where(User.username == record["agent"])
        ).scalar_one_or_none()
    row.direction = record["direction"]
    row.caller = record.get("caller")
    row.callee = record.get("callee")
    row.started_at = _when(record["started_at"]) or row.started_at
    row.queued_at = _when(record.get("queued_at"))
    row.answered_at = _when(record.get("answered_at"))
    row.ended_at = _when(record.get("ended_at"))
    row.wait_seconds = record.get("wait_seconds")
    row.outcome = record.get("outcome")
    row.agent_user_id = agent_id
    row.worker = record.get("worker")


def _read(path: str | None) -> bytes | None:
    if not path:
        return None
    file = Path(path)
    if not file.exists() or file.stat().st_size <= 44:  # a header and no audio: nothing to keep
        return None
    return file.read_bytes()


def _cleanup(*paths: str | None) -> None:
    for path in paths:
        if path:
            Path(path).unlink(missing_ok=True)


def call_record_job(record: dict[str, Any], recording: str | None) -> int:
    """The CDR of a finished call, with its recording stored as an attachment; returns the row id."""
    db = Database(_setting("database_url"))
    try:
        with db.session() as session:
            row = call_record(session, record["sip_call_id"])
            # No row, or only the stub an agent's ticket made while the caller was on the line.
            if row is None or row.ended_at is None:
                if row is None:
                    row = CallRecord(sip_call_id=record["sip_call_id"])
                _fill(row, session, record)  # before add: its agent lookup must not flush a half row
                session.add(row)
                data = _read(recording)
                if data is not None:
                    attachment = store_file(
                        session,
                        _setting("data_dir"),
                        kind=AttachmentKind.AUDIO.value,
                        filename=f"call-{record['call_key']}.wav",
                        content_type="audio/wav",
                        data=data,
                    )
                    row.recording_attachment_id = attachment.id
                session.flush()
                attach_recording(session, row)
            row_id = row.id
        _cleanup(recording, *record.get("scratch_files", ()))
        return row_id
    finally:
        db.dispose()


def transcribe(path: str) -> str:
    """The message's text, or "" when there is no speech model or no speech."""
    from voice_models.audio import read_wav
    from voice_models.locate import find_model
    from voice_models.session import final_text, transcribe_pcm

    model = _setting("voice_model")
    if not model:
        located = find_model("zh")
        if located is None:
            log.warning("no Chinese speech model installed: voicemail left untranscribed")
            return ""
        model = str(located.path)
    pcm, rate = read_wav(path)
    return final_text(transcribe_pcm(model, pcm, rate)).strip()


def voicemail_job(record: dict[str, Any], voicemail: str, recording: str | None) -> dict[str, Any]:
    """Transcribe the message, then one draft ticket (flagged for call back) with audio and transcript
    through the one intake flow, and the call's CDR linked to it."""
    data = _read(voicemail)
    text = transcribe(voicemail) if data is not None else ""
    db = Database(_setting("database_url"))
    try:
        with db.session() as session:
            existing = call_record(session, record["sip_call_id"])
            if existing is not None:
                return {"ticket_id": existing.ticket_id, "call_record_id": existing.id, "transcript": text}
        result = submit(
            db,
            Submission(
                channel=Channel.VOICEMAIL.value,
                content=text or NO_SPEECH,
                transcript=text or None,
                contact_phone=record.get("caller")
                if str(record.get("caller") or "").startswith("+")
                else None,
                callback_requested=True,
                draft=True,
                idempotency_key=f"sip:{record['sip_call_id']}"[:128],
                extra={"call_key": record["call_key"]},
            ),
            actor=Actor("telephony:voicemail"),
        )
        with db.session() as session:
            ticket = session.get(Ticket, result.ticket_id)
            assert ticket is not None
            row = CallRecord(sip_call_id=record["sip_call_id"])
            _fill(row, session, record)
            session.add(row)
            row.ticket_id = ticket.id
            if data is not None:
                attachment = store_attachment(
                    session,
                    _setting("data_dir"),
                    ticket,
                    kind=AttachmentKind.AUDIO.value,
                    filename=f"voicemail-{record['call_key']}.wav",
                    content_type="audio/wav",
                    data=data,
                    actor=Actor("telephony:voicemail"),
                )
                row.recording_attachment_id = attachment.id
            session.flush()
            row_id = row.id
        _cleanup(voicemail, recording, *record.get("scratch_files", ()))
        return {"ticket_id": result.ticket_id, "call_record_id": row_id, "transcript": text}
    finally:
        db.dispose()
