"""A call and the ticket registered from it end up linked, with the recording on the ticket, whichever
comes first: the agent's ticket (while the caller is still on the line) or the call's record (when the
call ends). On both databases, through the real telephony job."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from telephony import jobs
from tests.support.audio import silent_wav
from ticketing.call_links import link_call
from ticketing.errors import InvalidInput
from ticketing.intake import submit
from ticketing.models import Attachment, CallRecord, TicketEvent
from ticketing.submission import Submission
from ticketing.ticket_actions import Actor, load_for_update

AGENT = Actor("话务员 李娜")


def wav(path) -> str:
    path.write_bytes(silent_wav(0.5))
    return str(path)


def record(sip_call_id: str) -> dict:
    return {
        "sip_call_id": sip_call_id,
        "call_key": sip_call_id.split("@")[0],
        "direction": "inbound",
        "caller": "+8613912345678",
        "started_at": datetime(2026, 11, 23, 2, 0, tzinfo=UTC).isoformat(),
        "answered_at": datetime(2026, 11, 23, 2, 0, 9, tzinfo=UTC).isoformat(),
        "ended_at": datetime(2026, 11, 23, 2, 4, tzinfo=UTC).isoformat(),
        "wait_seconds": 9.0,
        "outcome": "answered",
        "worker": "w1",
        "agent": "agent01",  # no such user here: the lookup runs and finds nobody
    }


@pytest.fixture
def ticket_id(db) -> int:
    return submit(
        db, Submission(channel="phone_agent", content="小区路灯不亮", contact_phone="13912345678")
    ).ticket_id


def link(db, ticket_id: int, sip_call_id: str) -> None:
    with db.session() as s:
        link_call(s, load_for_update(s, ticket_id), sip_call_id, AGENT)


def assert_linked(db, ticket_id: int, sip_call_id: str) -> None:
    with db.read_session() as s:
        row = s.execute(select(CallRecord).where(CallRecord.sip_call_id == sip_call_id)).scalar_one()
        assert (row.ticket_id, row.outcome, row.wait_seconds, row.caller) == (
            ticket_id,
            "answered",
            9.0,
            "+8613912345678",
        )
        recording = s.get_one(Attachment, row.recording_attachment_id)
        assert (recording.ticket_id, recording.kind) == (ticket_id, "audio")
        links = s.execute(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket_id, TicketEvent.action == "link_call")
        ).scalars()
        assert [e.payload["sip_call_id"] for e in links] == [sip_call_id]


def test_ticket_first_then_the_call_ends(db, ticket_id, tmp_path):
    jobs.configure(db.url, tmp_path)
    link(db, ticket_id, "c1@w1")
    link(db, ticket_id, "c1@w1")  # the console retrying: still one link
    jobs.call_record_job(record("c1@w1"), wav(tmp_path / "c1.wav"))
    jobs.call_record_job(record("c1@w1"), None)  # RQ retrying the job changes nothing
    assert_linked(db, ticket_id, "c1@w1")
    assert not (tmp_path / "c1.wav").exists()  # the raw file goes once the database holds it


def test_call_ends_first_then_the_ticket(db, ticket_id, tmp_path):
    jobs.configure(db.url, tmp_path)
    jobs.call_record_job(record("c2@w1"), wav(tmp_path / "c2.wav"))
    link(db, ticket_id, "c2@w1")
    assert_linked(db, ticket_id, "c2@w1")


def test_a_second_matter_in_the_same_call_logs_the_link_and_bad_ids_change_nothing(db, ticket_id, tmp_path):
    jobs.configure(db.url, tmp_path)
    other = submit(db, Submission(channel="phone_agent", content="噪音扰民", contact_phone="13912345678"))
    link(db, ticket_id, "c3@w1")
    link(db, other.ticket_id, "c3@w1")
    link(db, other.ticket_id, "c3@w1")  # retried: still one event
    jobs.call_record_job(record("c3@w1"), wav(tmp_path / "c3.wav"))
    with db.read_session() as s:
        row = s.execute(select(CallRecord).where(CallRecord.sip_call_id == "c3@w1")).scalar_one()
        assert row.ticket_id == ticket_id  # the record and recording stay with the first ticket
        assert s.get_one(Attachment, row.recording_attachment_id).ticket_id == ticket_id
        second = s.scalars(
            select(TicketEvent).where(
                TicketEvent.ticket_id == other.ticket_id, TicketEvent.action == "link_call"
            )
        ).all()
        assert [e.payload["first_ticket_id"] for e in second] == [ticket_id]
    with pytest.raises(InvalidInput):
        link(db, other.ticket_id, "x" * 300)
    with pytest.raises(InvalidInput):
        link(db, other.ticket_id, "")
