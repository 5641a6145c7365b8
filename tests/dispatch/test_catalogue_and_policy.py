"""The dispatch catalogue's rule choice, the admin's calendar edits and the SLA policy table."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime

import pytest

from dispatch.calendar_store import load_working_calendar, seed_calendar_days, set_day
from dispatch.context import dispatch_context, forget_policy
from dispatch.graded_dispatch import dispatch_ticket
from dispatch.policy import WORKING_DAYS, load_policy, set_limit, set_setting
from dispatch.routing import add_rule, match_rule
from tests.dispatch.conftest import build_city
from ticketing.errors import InvalidInput, NotFound
from ticketing.intake import submit
from ticketing.models import CalendarDay, Category
from ticketing.submission import Submission


def add_categories(db) -> None:
    with db.session() as s:
        s.add_all([Category(code="110000", name="城市管理", level=1),
                   Category(code="110300", name="市政设施", parent_code="110000", level=2),
                   Category(code="110301", name="路灯", parent_code="110300", level=3)])


def test_the_most_specific_rule_wins(db):
    city = build_city(db)
    add_categories(db)
    with db.session() as s:
        general = add_rule(s, "11", "C01")
        streetlights = add_rule(s, "1103", "D01")
        local = add_rule(s, "1103", "D01S01", area_code="D01S01")
        cheap = add_rule(s, "1103", "D01S02", priority=50)
    with db.read_session() as s:
        assert match_rule(s, "110301", city.community).rule_id == local.id  # area-bound beats anywhere
        assert match_rule(s, "110301", city.other_street).rule_id == cheap.id  # then the lower priority
        assert match_rule(s, "110000", city.community).rule_id == general.id
        assert match_rule(s, "010101", city.community) is None
        assert streetlights.id  # outranked everywhere above, still a valid rule


def test_bad_rules_are_refused(db):
    build_city(db)
    add_categories(db)
    with pytest.raises(InvalidInput), db.session() as s:
        add_rule(s, "123", "C01")
    with pytest.raises(InvalidInput), db.session() as s:
        add_rule(s, "99", "C01")
    with pytest.raises(NotFound), db.session() as s:
        add_rule(s, "11", "NOPE")


def test_seeding_never_overwrites_an_admin_edit(db):
    national_day = dt.date(2026, 10, 8)
    with db.session() as s:
        seed_calendar_days(s, range(2026, 2027))
        set_day(s, national_day, is_workday=False, name="台风停工")
        set_day(s, dt.date(2027, 1, 4), is_workday=False, name="2027 元旦（管理员录入）")
    with db.session() as s:
        assert seed_calendar_days(s, range(2026, 2027)) == 0
    with db.read_session() as s:
        row = s.get_one(CalendarDay, national_day)
        assert (row.is_workday, row.name, row.source) == (False, "台风停工", "admin")
        calendar = load_working_calendar(s)
        assert not calendar.is_workday(national_day)
        assert not calendar.is_workday(dt.date(2027, 1, 4))  # a year the package does not know yet


def test_policy_edits_change_new_deadlines(db):
    city = build_city(db)
    with db.session() as s:
        set_limit(s, "normal", "reply", 10, WORKING_DAYS)
        set_setting(s, "max_extensions", 2)
        with pytest.raises(InvalidInput):
            set_limit(s, "normal", "reply", 0, WORKING_DAYS)
        with pytest.raises(InvalidInput):
            set_setting(s, "no_such_setting", 1)
    forget_policy(db)
    with db.read_session() as s:
        policy = load_policy(s)
        assert policy.limit("normal", "reply").amount == 10 and policy.whole("max_extensions") == 2
    monday = datetime(2026, 11, 23, 2, tzinfo=UTC)
    ticket = submit(db, Submission(channel="web_form", content="内容"), now=monday).ticket_id
    with dispatch_context(db, monday) as ctx:
        lead = dispatch_ticket(ctx, city.op(db, "city"), ticket, city.district)
        assert lead.reply_due_at == ctx.calendar.add_working_days(monday, 10)
