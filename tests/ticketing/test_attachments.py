"""Attachments: stored whole or not at all, content checked, logged on the ticket."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from ticketing.attachments import attachment_path, store_attachment
from ticketing.errors import InvalidInput
from ticketing.intake import submit
from ticketing.models import Attachment, Ticket
from ticketing.submission import Submission
from ticketing.ticket_actions import Actor, events_of, load_for_update

NOW = datetime(2026, 11, 23, 2, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
WAV = b"RIFF" + b"\x00" * 200


def test_stored_file_matches_its_row_and_event(sqlite_db, tmp_path):
    ticket_id = submit(sqlite_db, Submission(channel="web_form", content="井盖缺失"), now=NOW).ticket_id
    with sqlite_db.session() as s:
        att = store_attachment(
            s,
            tmp_path,
            load_for_update(s, ticket_id),
            kind="image",
            filename="C:\\photos\\井盖.png",
            content_type="image/png",
            data=PNG,
            actor=Actor("市民"),
            now=NOW,
        )
    with sqlite_db.read_session() as s:
        row = s.get_one(Attachment, att.id)
        assert row.filename == "井盖.png" and row.sha256 == hashlib.sha256(PNG).hexdigest()
        assert attachment_path(tmp_path, row).read_bytes() == PNG
        assert events_of(s, ticket_id)[-1].action == "add_attachment"
        assert s.get_one(Ticket, ticket_id).last_event_seq == 2
    assert not list((tmp_path / "attachments").rglob(".incoming-*"))


@pytest.mark.parametrize(
    ("kind", "filename", "content_type", "data", "code"),
    [
        ("image", "a.png", "image/png", b"", "empty_file"),
        ("image", "a.png", "image/png", WAV, "content_mismatch"),
        ("image", "a.exe", "application/x-msdownload", PNG, "unsupported_type"),
        ("video", "a.mp4", "video/mp4", PNG, "invalid_kind"),
        ("audio", "", "audio/wav", WAV, "invalid_filename"),
        ("image", "big.png", "image/png", PNG + b"\x00" * (20 * 2**20), "file_too_large"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(
    sqlite_db, tmp_path, kind, filename, content_type, data, code
):
    ticket_id = submit(sqlite_db, Submission(channel="web_form", content="内容"), now=NOW).ticket_id
    with pytest.raises(InvalidInput) as error, sqlite_db.session() as s:
        store_attachment(
            s,
            tmp_path,
            load_for_update(s, ticket_id),
            kind=kind,
            filename=filename,
            content_type=content_type,
            data=data,
            actor=Actor("市民"),
        )
    assert error.value.code == code
    with sqlite_db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Attachment)) == 0
    assert not (tmp_path / "attachments").exists()
