"""Leader live-answer days: scheduling rules and the same-day dispatch of the session's tickets."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from dispatch.leader_sessions import BEIJING, SessionPlan, cancel, get_session, schedule
from dispatch.leader_tickets import register, session_tickets
from dispatch.models import Assignment
from dispatch.operators import operator_for
from tests.dispatch.conftest import add_user
from ticketing.errors import IllegalTransition, InvalidInput
from ticketing.leader_on_air import on_air, sessions_around
from ticketing.models import CallRecord, LeaderSession, Ticket, TicketEvent
from ticketing.phone_accounts import set_phone_password
from ticketing.submission import Submission

MONDAY = dt.date(2026, 11, 23)  # a working day
SATURDAY = dt.date(2026, 11, 28)


def _add_leader(db, city, username: str = "mayor", role: str = "leader") -> int:
    return add_user(db, username, role, city.platform, "王市长", f"sip:{username}@127.0.0.1:5999")


def _plan(day=MONDAY, start="09:00", end="11:00", leader="mayor", unit="D01S01", **extra) -> SessionPlan:
    return SessionPlan(
        leader, unit, day, dt.time.fromisoformat(start), dt.time.fromisoformat(end), "城市管理", **extra
    )


def _schedule(db, plan: SessionPlan) -> int:
    with db.session() as session:
        return schedule(session, plan).id


def _at(day: dt.date, clock: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(clock), BEIJING)


@pytest.mark.parametrize(
    ("plan", "code"),
    [
        (_plan(start="11:00", end="09:00"), "invalid_window"),
        (_plan(leader="nobody"), "unknown_leader"),
        (_plan(leader="district"), "not_a_leader"),
        (_plan(unit="NOPE"), "unknown_unit"),
        (_plan(start="10:30", end="12:00"), "session_overlap"),
        (_plan(sip_uri="http://x"), "invalid_sip_uri"),
    ],
)
def test_bad_schedules_are_refused_and_change_nothing(db, city, plan, code):
    _add_leader(db, city)
    _schedule(db, _plan())
    with pytest.raises(InvalidInput) as refused:
        _schedule(db, plan)
    assert refused.value.code == code
    with db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(LeaderSession)) == 1


def test_cancelled_sessions_free_the_window_and_leave_the_air(db, city):
    _add_leader(db, city)
    first = _schedule(db, _plan())
    with db.read_session() as session:
        around = sessions_around(session, _at(MONDAY, "00:00"), _at(MONDAY, "23:59"))
    assert on_air(around, _at(MONDAY, "10:00")).session_id == first
    assert on_air(around, _at(MONDAY, "11:00")) is None  # the window's end is outside it
    with db.session() as session:
        cancel(session, get_session(session, first), "领导临时公务")
    with db.read_session() as session:
        assert sessions_around(session, _at(MONDAY, "00:00"), _at(MONDAY, "23:59")) == []
    _schedule(db, _plan(start="10:00", end="12:00"))  # no overlap with a cancelled session


def test_a_leader_without_a_sip_uri_is_rung_at_the_phone_registered_at_the_edge(db, city):
    add_user(db, "deputy", "leader", city.platform, "李副市长")  # no SIP URI
    _schedule(db, _plan(leader="deputy"))
    template, day = "sip:{username}@127.0.0.1:5060", (_at(MONDAY, "00:00"), _at(MONDAY, "23:59"))
    with db.read_session() as session:
        assert sessions_around(session, *day, template) == []  # nothing to ring: not on the air
    with db.session() as session:
        set_phone_password(session, "deputy", "hotline")
    with db.read_session() as session:
        assert [s.sip_uri for s in sessions_around(session, *day, template)] == ["sip:deputy@127.0.0.1:5060"]


def test_session_ticket_goes_to_the_leaders_unit_due_the_same_day(db, city):
    leader_id = _add_leader(db, city)
    session_id = _schedule(db, _plan())
    with db.read_session() as session:
        leader = operator_for(session, leader_id)
    submission = Submission(
        channel="phone_agent",
        content="小区门口占道经营，晚上噪音大",
        contact_phone="13812345678",
        idempotency_key="leader-call-1",
    )
    done = register(db, leader, session_id, submission, sip_call_id="abc@1", now=_at(MONDAY, "10:00"))
    again = register(db, leader, session_id, submission, sip_call_id="abc@1", now=_at(MONDAY, "10:01"))
    assert again.intake.ticket_id == done.intake.ticket_id and not again.intake.created
    # The street is two levels below the platform: the session's unit is reached directly.
    assert done.unit_id == city.street
    assert done.reply_due_at.astimezone(BEIJING).date() == MONDAY
    with db.read_session() as session:
        ticket = session.get(Ticket, done.intake.ticket_id)
        assert ticket.channel == "leader_line" and ticket.extra["leader_session_id"] == session_id
        assert ticket.status == "dispatched" and ticket.holder_unit_id == city.street
        lead = session.execute(select(Assignment).where(Assignment.role == "lead")).scalars().all()
        assert len(lead) == 1  # the retry did not dispatch twice
        assert lead[0].sign_due_at <= lead[0].reply_due_at == done.reply_due_at
        assert _at(MONDAY, "10:00") < done.reply_due_at <= _at(MONDAY, "23:59:59")
        dispatched = session.execute(select(TicketEvent).where(TicketEvent.action == "dispatch")).scalar_one()
        assert dispatched.payload["leader_session_id"] == session_id and dispatched.payload["same_day"]
        listed = session_tickets(session, session_id)
        assert [p.ticket.id for p in listed] == [ticket.id] and listed[0].sip_call_id == "abc@1"
        call = session.execute(select(CallRecord).where(CallRecord.sip_call_id == "abc@1")).scalar_one()
        assert call.ticket_id == ticket.id  # the call record (and its recording, once written) is linked


def test_evening_session_on_a_day_off_is_still_due_that_day(db, city):
    leader_id = _add_leader(db, city)
    session_id = _schedule(db, _plan(day=SATURDAY, start="19:00", end="21:00"))
    with db.read_session() as session:
        leader = operator_for(session, leader_id)
    done = register(db, leader, session_id, Submission("phone_agent", "路灯不亮"), now=_at(SATURDAY, "20:00"))
    assert done.reply_due_at == _at(SATURDAY, "23:59:59")


def test_tickets_are_refused_outside_the_session_day_and_for_other_roles(db, city):
    leader_id = _add_leader(db, city)
    session_id = _schedule(db, _plan())
    with db.read_session() as session:
        leader = operator_for(session, leader_id)
    with pytest.raises(IllegalTransition) as late:
        register(
            db,
            leader,
            session_id,
            Submission("phone_agent", "路灯不亮"),
            now=_at(MONDAY + dt.timedelta(1), "09:00"),
        )
    assert late.value.code == "session_not_today"
    with pytest.raises(Exception) as forbidden:
        register(
            db,
            city.op(db, "district"),
            session_id,
            Submission("phone_agent", "路灯不亮"),
            now=_at(MONDAY, "10:00"),
        )
    assert forbidden.value.code == "forbidden"
    with db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 0
