"""The demo city: realistic, complete, handled through the real workflow, seeded only once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dispatch.calendar_store import seed_calendar_days
from dispatch.models import Assignment, DispatchRule
from hotline.demo import seed_demo_if_empty
from ticketing.demo.categories import CATEGORIES
from ticketing.models import Category, KnowledgeArticle, OrgUnit, Ticket, TicketEvent, User, utcnow
from ticketing.projection import replay, snapshot
from ticketing.ticket_actions import events_of
from ticketing.vocabulary import Role

pytestmark = pytest.mark.slow
TICKETS = 150


def test_demo_city_is_complete_and_its_history_replays(db):
    with db.session() as s:
        seed_calendar_days(s, range(utcnow().year - 1, utcnow().year + 1))
    credentials = seed_demo_if_empty(db, tickets=TICKETS, seed=7)
    assert {role for _, role, _ in credentials} == {r.value for r in Role}

    with db.read_session() as s:
        kinds = Counter(s.execute(select(OrgUnit.kind)).scalars())
        assert kinds["city_platform"] == 1 and kinds["district"] == 10
        assert kinds["city_department"] >= 30 and kinds["street"] >= 40 and kinds["community"] >= 150
        assert s.scalar(select(func.count()).select_from(Category)) == len(CATEGORIES) >= 60
        assert s.scalar(select(func.count()).select_from(KnowledgeArticle)) >= 50
        assert {u.role for u in s.execute(select(User)).scalars()} == {r.value for r in Role}

        tickets = s.execute(select(Ticket)).scalars().all()
        assert len(tickets) == TICKETS
        statuses = Counter(t.status for t in tickets)
        assert len(statuses) >= 5, statuses  # open, in-progress and finished work all present
        ages = [utcnow() - t.created_at for t in tickets]
        assert max(ages) > timedelta(days=60) and min(ages) < timedelta(days=10)
        assert len({t.category_code for t in tickets}) >= 30
        assert all(t.area_unit_id is not None and t.contact_phone.startswith("+86") for t in tickets)
        for ticket in tickets:
            assert snapshot(replay(events_of(s, ticket.id))) == snapshot(ticket)
        assert s.scalar(select(func.count()).select_from(DispatchRule)) >= 40
        assignments = Counter(a.status for a in s.execute(select(Assignment)).scalars())
        assert assignments["accepted"] > 0 and assignments["pending"] + assignments["signed"] > 0
        actions = Counter(s.execute(select(TicketEvent.action)).scalars())
        assert (
            actions["dispatch"] > actions["return"] > 0
            and actions["close"] > 0
            and actions["close_directly"] > 0
        )

        events_before = s.scalar(select(func.count()).select_from(TicketEvent))

    assert seed_demo_if_empty(db, tickets=TICKETS) == []  # never into a database that has data
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(TicketEvent)) == events_before
