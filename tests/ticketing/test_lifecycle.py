"""The ticket state machine: property tests on both databases, and the append-only log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.support.city import build_tiny_city
from ticketing import lifecycle
from ticketing.errors import IllegalTransition
from ticketing.intake import submit
from ticketing.models import Ticket, TicketEvent
from ticketing.projection import replay, snapshot
from ticketing.submission import Submission
from ticketing.ticket_actions import Actor, events_of, load_for_update, perform
from ticketing.vocabulary import TicketStatus

NOW = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
AGENT = Actor("话务员 07", user_id=None)
ACTIONS = sorted(set(lifecycle.RULES) - {"create_draft", "register"})


def payload_for(action: str, city, other_ticket_id: int) -> dict:
    return {
        "dispatch": {"holder_unit_id": city.district_id},
        "return": {"holder_unit_id": city.platform_id, "reason_code": "not_ours"},
        "reopen": {"holder_unit_id": city.street_id},
        "merge": {"into_ticket_id": other_ticket_id},
        "change_grade": {"grade": "urgent", "reason": "涉及安全"},
        "update": {"changes": {"title": "改过的标题", "grade": "important", "status": "closed"}},
        "flag_duplicate": {"duplicate_of_id": other_ticket_id},
    }.get(action, {})


def state_of(db, ticket_id: int) -> tuple[dict, int]:
    with db.read_session() as s:
        return snapshot(s.get_one(Ticket, ticket_id)), len(events_of(s, ticket_id))


@pytest.mark.slow
def test_random_action_sequences_stay_legal_and_replay_equals_projection(db):
    city = build_tiny_city(db)
    other = submit(db, Submission(channel="web_form", content="并单目标工单"), now=NOW).ticket_id

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        draft=st.booleans(),
        actions=st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=14),
    )
    def run(draft: bool, actions: list[str]) -> None:
        created = submit(db, Submission(channel="web_form", content="测试工单内容", draft=draft), now=NOW)
        moment = NOW
        for action in actions:
            moment += timedelta(minutes=7)
            before = state_of(db, created.ticket_id)
            allowed = action in lifecycle.allowed_actions(TicketStatus(before[0]["status"]))
            try:
                with db.session() as s:
                    perform(
                        s,
                        load_for_update(s, created.ticket_id),
                        action,
                        AGENT,
                        payload_for(action, city, other),
                        now=moment,
                    )
            except IllegalTransition as error:
                assert not allowed, f"{action} refused from {before[0]['status']}"
                assert error.code == "illegal_transition"
                assert state_of(db, created.ticket_id) == before  # refused: nothing changed
                continue
            assert allowed, f"{action} accepted from {before[0]['status']}"
            after, event_count = state_of(db, created.ticket_id)
            assert event_count == before[1] + 1
            assert after["status"] in {str(s) for s in TicketStatus}
        with db.read_session() as s:
            row = s.get_one(Ticket, created.ticket_id)
            assert snapshot(replay(events_of(s, row.id))) == snapshot(row)
            seqs = [e.seq for e in events_of(s, row.id)]
            assert seqs == list(range(1, len(seqs) + 1))

    run()


def test_full_happy_path_and_illegal_reply_before_sign(db):
    city = build_tiny_city(db)
    ticket_id = submit(db, Submission(channel="phone_agent", content="路灯不亮"), now=NOW).ticket_id
    with pytest.raises(IllegalTransition, match="不能执行“回复”操作"), db.session() as s:
        perform(s, load_for_update(s, ticket_id), "reply", AGENT, now=NOW)
    steps = [
        ("dispatch", {"holder_unit_id": city.district_id}),
        ("sign", {}),
        ("reply", {"resolved": True, "text": "已修复"}),
        ("close", {}),
        ("record_visit", {"resolved": True, "satisfaction": "satisfied"}),
        ("archive", {}),
    ]
    for i, (action, payload) in enumerate(steps, start=1):
        with db.session() as s:
            perform(s, load_for_update(s, ticket_id), action, AGENT, payload, now=NOW + timedelta(hours=i))
    with db.read_session() as s:
        row = s.get_one(Ticket, ticket_id)
        assert row.status == "archived"
        assert row.closed_at == NOW + timedelta(hours=4)
        assert row.holder_unit_id == city.district_id
        assert [e.to_status for e in events_of(s, ticket_id)] == [
            "registered",
            "dispatched",
            "in_progress",
            "replied",
            "closed",
            "visited",
            "archived",
        ]


def test_update_cannot_smuggle_in_a_status_change(db):
    ticket_id = submit(db, Submission(channel="web_form", content="内容"), now=NOW).ticket_id
    with db.session() as s:
        perform(
            s,
            load_for_update(s, ticket_id),
            "update",
            AGENT,
            {"changes": {"status": "closed", "number": "X", "title": "新标题"}},
            now=NOW,
        )
    with db.read_session() as s:
        row = s.get_one(Ticket, ticket_id)
        assert (row.status, row.title) == ("registered", "新标题")
        assert row.number.startswith("2026")


def test_unknown_action_is_refused(db):
    ticket_id = submit(db, Submission(channel="web_form", content="内容"), now=NOW).ticket_id
    with pytest.raises(IllegalTransition) as error, db.session() as s:
        perform(s, load_for_update(s, ticket_id), "teleport", AGENT, now=NOW)
    assert error.value.code == "unknown_action"


def test_event_log_refuses_update_and_delete(db):
    submit(db, Submission(channel="web_form", content="内容"), now=NOW)
    for statement in ("UPDATE ticket_events SET action = 'x'", "DELETE FROM ticket_events"):
        with pytest.raises(DBAPIError, match="append-only"), db.session() as s:
            s.execute(text(statement))
    with db.read_session() as s:
        assert s.execute(select(TicketEvent.action)).scalars().all() == ["register"]
