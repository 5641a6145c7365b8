"""Committed ticket events reach a real Redis stream; rolled-back ones never do."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import redis

from tests.conftest import new_database_url
from tests.support.city import build_tiny_city
from ticketing.db import Database
from ticketing.errors import InvalidInput
from ticketing.event_feed import events_after
from ticketing.intake import submit
from ticketing.models import Ticket
from ticketing.redis_feed import RedisEventPublisher, read_stream
from ticketing.submission import Submission
from ticketing.ticket_actions import SYSTEM, load_for_update, perform

NOW = datetime(2026, 11, 23, 2, 30, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def published_db(request, tmp_path, redis_url):
    database = Database(
        new_database_url(request.param, request, tmp_path), publisher=RedisEventPublisher.from_url(redis_url)
    )
    yield database, redis.Redis.from_url(redis_url)
    database.dispose()


def test_committed_events_are_published_in_order(published_db):
    db, client = published_db
    city = build_tiny_city(db)
    result = submit(db, Submission(channel="web_form", content="小区噪音扰民"), now=NOW)
    with db.session() as s:
        perform(
            s, load_for_update(s, result.ticket_id), "dispatch", SYSTEM, {"holder_unit_id": city.district_id}
        )

    events = read_stream(client)
    assert [(e["action"], e["to_status"]) for e in events] == [
        ("register", "registered"),
        ("dispatch", "dispatched"),
    ]
    assert events[1]["ticket_number"] == result.number
    assert events[1]["holder_unit_id"] == city.district_id
    with db.read_session() as s:
        assert [e.id for e in events_after(s, 0)] == [e["id"] for e in events]
        assert [e.id for e in events_after(s, events[0]["id"])] == [events[1]["id"]]


def test_rolled_back_work_publishes_nothing(published_db):
    db, client = published_db
    with pytest.raises(InvalidInput):
        submit(db, Submission(channel="web_form", content="内容", category_code="000000"), now=NOW)
    with pytest.raises(RuntimeError), db.session() as s:
        ticket = Ticket()
        perform(
            s,
            ticket,
            "register",
            SYSTEM,
            {
                "number": "X1",
                "channel": "web_form",
                "title": "t",
                "content": "c",
                "ticket_type": "help",
                "grade": "normal",
            },
        )
        assert ticket.id is not None  # written inside the transaction...
        raise RuntimeError("crash before commit")  # ...and rolled back
    assert read_stream(client) == []


def test_commit_survives_an_unreachable_redis(request, tmp_path):
    db = Database(
        new_database_url("sqlite", request, tmp_path),
        publisher=RedisEventPublisher.from_url("redis://127.0.0.1:1/0"),
    )
    result = submit(db, Submission(channel="web_form", content="内容"), now=NOW)
    with db.read_session() as s:
        assert [e.ticket_id for e in events_after(s, 0)] == [result.ticket_id]
    db.dispose()
