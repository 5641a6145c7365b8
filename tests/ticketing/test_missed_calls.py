"""The missed-call callback list on both databases: who is listed, once, in which order, and how a
recorded callback takes a number off it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.dispatch.conftest import PASSWORD_HASH
from ticketing.errors import Conflict, InvalidInput, NotFound
from ticketing.missed_calls import missed_callers, record_callback
from ticketing.models import CallRecord, OrgUnit, User

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def call(s, key: str, caller: str | None, outcome: str, minutes_ago: float, wait: float = 20.0) -> int:
    row = CallRecord(
        sip_call_id=f"{key}@w1",
        direction="inbound",
        caller=caller,
        started_at=NOW - timedelta(minutes=minutes_ago),
        outcome=outcome,
        wait_seconds=wait,
    )
    s.add(row)
    s.flush()
    return row.id


@pytest.fixture
def calls(db) -> dict[str, int]:
    with db.session() as s:
        unit = OrgUnit(code="CITY", name="市级平台", kind="city_platform", level=1)
        s.add(unit)
        s.flush()
        s.add(
            User(
                username="agent",
                display_name="话务员",
                password_hash=PASSWORD_HASH,
                role="agent",
                unit_id=unit.id,
            )
        )
        ids = {
            "a1": call(s, "a1", "+8613800000001", "abandoned", 50, wait=40),
            "a2": call(s, "a2", "+8613800000001", "abandoned", 30, wait=75),
            "b1": call(s, "b1", "+8613800000002", "abandoned", 40),
            "b2": call(s, "b2", "+8613800000002", "answered", 20),  # got through later: no callback
            "c1": call(s, "c1", None, "abandoned", 45),  # withheld: cannot be dialled
            "d1": call(s, "d1", "+8613800000004", "abandoned", 8 * 24 * 60),  # older than a week
            "e1": call(s, "e1", "+8613800000005", "abandoned", 10),
            "f1": call(s, "f1", "+8613800000006", "answered", 5),
        }
    return ids


def agent_id(db) -> int:
    with db.read_session() as s:
        return s.execute(select(User.id).where(User.username == "agent")).scalar_one()


def test_each_number_once_longest_waiting_first(db, calls):
    with db.read_session() as s:
        listed = missed_callers(s, now=NOW)
    assert [(m.caller, m.attempts, m.call_record_id) for m in listed] == [
        ("+8613800000001", 2, calls["a2"]),
        ("+8613800000005", 1, calls["e1"]),
    ]
    assert listed[0].longest_wait_seconds == 75 and listed[0].first_at < listed[0].last_at


def test_a_callback_covers_the_numbers_earlier_calls_once(db, calls):
    with db.session() as s:
        covered = record_callback(
            s, calls["a2"], user_id=agent_id(db), outcome="reached", note="已告知办理进度", now=NOW
        )
    assert covered == 2
    with db.read_session() as s:
        assert [m.caller for m in missed_callers(s, now=NOW)] == ["+8613800000005"]
        rows = s.scalars(select(CallRecord).where(CallRecord.caller == "+8613800000001")).all()
        assert {(r.callback_outcome, r.callback_note) for r in rows} == {("reached", "已告知办理进度")}
    with db.session() as s, pytest.raises(Conflict):
        record_callback(s, calls["a1"], user_id=agent_id(db), outcome="no_answer")


@pytest.mark.parametrize(
    ("key", "outcome", "note", "error"),
    [
        ("e1", "called", None, InvalidInput),
        ("e1", "reached", "长" * 501, InvalidInput),
        ("f1", "reached", None, NotFound),  # an answered call is not a missed call
    ],
)
def test_bad_callbacks_change_nothing(db, calls, key, outcome, note, error):
    with db.session() as s, pytest.raises(error):
        record_callback(s, calls[key], user_id=agent_id(db), outcome=outcome, note=note)
    with db.read_session() as s:
        assert s.scalar(select(CallRecord.callback_at).where(CallRecord.id == calls[key])) is None
        assert len(missed_callers(s, now=NOW)) == 2
