"""The one intake flow on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.support.city import build_tiny_city
from ticketing.errors import InvalidInput
from ticketing.intake import submit
from ticketing.models import Citizen, Ticket, TicketEvent
from ticketing.submission import MAX_CONTENT_CHARS, Submission
from ticketing.ticket_actions import events_of

NOW = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)  # 10:30 in Beijing


def phone_call(**overrides: object) -> Submission:
    values: dict[str, object] = {
        "channel": "phone_agent",
        "content": "来电人反映柳湾社区3号楼下水道堵塞已经三天，污水外溢，要求尽快疏通。",
        "contact_phone": "138 1234 5678",
        "contact_name": "王先生",
        "ticket_type": "求助",
        "category_code": "010101",
        "area_code": "D01S01C01",
    }
    values.update(overrides)
    return Submission(**values)  # type: ignore[arg-type]


def counts(db) -> tuple[int, int, int]:
    with db.read_session() as s:
        return (
            s.scalar(select(func.count()).select_from(Ticket)),
            s.scalar(select(func.count()).select_from(TicketEvent)),
            s.scalar(select(func.count()).select_from(Citizen)),
        )


def test_phone_ticket_is_registered_with_normalised_number_and_first_event(db):
    city = build_tiny_city(db)
    result = submit(db, phone_call(), now=NOW)

    assert result.created and result.status == "registered"
    assert result.number == "20261123000001"
    assert result.phone is not None and result.phone.e164 == "+8613812345678"
    assert result.phone.carrier == "中国移动"
    with db.read_session() as s:
        ticket = s.get_one(Ticket, result.ticket_id)
        assert ticket.contact_phone == "+8613812345678"
        assert ticket.ticket_type == "help"
        assert ticket.area_unit_id == city.community_id
        assert ticket.holder_unit_id == city.platform_id
        assert ticket.created_at == NOW
        (event,) = events_of(s, ticket.id)
        assert (event.action, event.from_status, event.to_status, event.seq) == (
            "register",
            None,
            "registered",
            1,
        )


def test_numbers_follow_the_local_date_and_sequence(db):
    build_tiny_city(db)
    late_evening_utc = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # already 24 Nov in Beijing
    first = submit(db, phone_call(), now=NOW)
    second = submit(db, phone_call(content="另一件事：路灯不亮"), now=NOW)
    next_day = submit(db, phone_call(content="第三件事：噪音扰民"), now=late_evening_utc)
    assert [first.number, second.number, next_day.number] == [
        "20261123000001",
        "20261123000002",
        "20261124000001",
    ]


def test_same_idempotency_key_returns_the_same_ticket(db):
    build_tiny_city(db)
    first = submit(db, phone_call(idempotency_key="dev-7-evt-1"), now=NOW)
    again = submit(db, phone_call(idempotency_key="dev-7-evt-1", content="重发的内容不同"), now=NOW)
    assert again.ticket_id == first.ticket_id and not again.created
    assert counts(db)[0] == 1


def test_history_links_the_same_citizen_across_channels(db):
    build_tiny_city(db)
    a = submit(db, phone_call(contact_phone="13812345678"), now=NOW)
    b = submit(
        db, phone_call(channel="web_form", contact_phone="+86 138-1234-5678", content="咨询公积金"), now=NOW
    )
    with db.read_session() as s:
        assert s.get_one(Ticket, a.ticket_id).citizen_id == s.get_one(Ticket, b.ticket_id).citizen_id
    assert counts(db)[2] == 1


def test_voicemail_becomes_a_draft(db):
    build_tiny_city(db)
    result = submit(db, phone_call(channel="voicemail", callback_requested=True), now=NOW)
    assert result.status == "draft"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"content": "   "}, "content_required"),
        ({"content": "长" * (MAX_CONTENT_CHARS + 1)}, "content_too_long"),
        ({"contact_phone": "12345"}, "invalid_phone"),
        ({"contact_phone": "not a phone"}, "invalid_phone"),
        ({"category_code": "999999"}, "unknown_category"),
        ({"area_code": "NOPE"}, "unknown_area"),
        ({"ticket_type": "闲聊"}, "invalid_type"),
        ({"grade": "特急"}, "invalid_grade"),
        ({"channel": "fax"}, "invalid_channel"),
        ({"latitude": 95.0, "longitude": 10.0}, "invalid_location"),
        ({"title": []}, "invalid_field_type"),  # decoded JSON of the wrong kind, found by schemathesis
        ({"latitude": True, "longitude": 10.0}, "invalid_field_type"),
        ({"anonymous": "yes"}, "invalid_field_type"),
        ({"extra": ["a"]}, "invalid_field_type"),
    ],
)
def test_bad_input_is_refused_with_a_stable_code_and_nothing_is_written(db, overrides, code):
    build_tiny_city(db)
    before = counts(db)
    with pytest.raises(InvalidInput) as error:
        submit(db, phone_call(**overrides), now=NOW)
    assert error.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error.value.message)  # a Chinese message for people
    assert counts(db) == before


def test_likely_duplicate_from_the_same_caller_is_flagged(db):
    build_tiny_city(db)
    first = submit(db, phone_call(), now=NOW)
    again = submit(
        db,
        phone_call(content="市民再次来电，柳湾社区3号楼下水道还是堵塞，污水外溢没人疏通。"),
        now=NOW + timedelta(days=2),
    )
    other = submit(db, phone_call(content="咨询孩子入学需要准备什么材料。"), now=NOW + timedelta(days=2))
    assert [d.ticket_id for d in again.duplicates] == [first.ticket_id]
    assert other.duplicates == ()
    with db.read_session() as s:
        assert s.get_one(Ticket, again.ticket_id).suspected_duplicate_of_id == first.ticket_id


def test_old_tickets_are_not_duplicate_candidates(db):
    build_tiny_city(db)
    submit(db, phone_call(), now=NOW - timedelta(days=31))
    assert submit(db, phone_call(), now=NOW).duplicates == ()
