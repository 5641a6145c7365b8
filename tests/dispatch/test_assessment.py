"""Assessment KPIs on a hand-built month whose rates are worked out below, on both databases.

November 2026 (Beijing), every ticket dispatched by the city on Monday 2 Nov 10:00: sign due Tue 3 Nov
10:00 (1 working day), reply due Mon 9 Nov 10:00 (5 working days).

Department C01 — T1, T2 signed and replied in time, visited 满意 / 基本满意 (both resolved; T1 had an
unreachable attempt first); T3 signed late, replied late, visited 不满意 unresolved, reopened; T4
returned in time; T5 signed, extended by 2 working days (due 11 Nov), never replied.
  response 4/5 = 80 %; completion T1 T2 on time, T3 late, T5 late unreplied = 2/4 = 50 %;
  resolution 2/3 = 66.67 %; satisfaction (1 + 0.9) / 3 = 63.33 %; returns 1, reopenings 1,
  extensions 1; composite 0.1·80 + 0.5·66.67 + 0.4·63.33 = 66.67.
District D01 — T6 forwarded to street D01S01 (which replies; the district passes it up), visited 满意;
差评 T7 replied and closed in time (rectified), T8 appeal upheld (excluded, listed), T9 appeal refused
and never replied.
  response 4/4; completion T6 T7 on time, T8 T9 late = 50 %; callbacks 1 (100 %, 100 %);
  composite 100; 差评 2, rectified 1, excluded 1.
Street D01S01 — T6 only: every rate 100 %, composite 100 (tied first with the district).
An October ticket of the department, done and visited in October, must count nowhere.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.assessment import assess
from dispatch.assessment_period import month_period
from dispatch.call_figures import call_figures, daily_answer_rates
from dispatch.context import dispatch_context
from dispatch.dashboard_figures import daily_volume, hotspots, survey_results
from dispatch.extensions import decide_extension, request_extension
from dispatch.graded_dispatch import dispatch_ticket
from dispatch.handling import reply, sign
from dispatch.policy import load_policy, set_setting
from dispatch.returns import return_assignment
from dispatch.review import review
from dispatch.ticket_listing import BEIJING
from tests.dispatch.conftest import City
from tests.dispatch.test_workflow import lead_of
from ticketing.errors import InvalidInput
from ticketing.intake import submit
from ticketing.models import CallRecord, Category
from ticketing.submission import Submission
from ticketing.ticket_actions import Actor, load_for_update, perform

VISITOR = Actor("回访员")


def at(month: int, day: int, hour: float) -> datetime:
    """A Beijing wall-clock time in 2026, as aware UTC."""
    return (datetime(2026, month, day, tzinfo=BEIJING) + timedelta(hours=hour)).astimezone(UTC)


def do(db, when: datetime, fn, *args, **kwargs):
    with dispatch_context(db, when) as ctx:
        return fn(ctx, *args, **kwargs)


def annotate(db, when: datetime, ticket_id: int, action: str, payload: dict) -> None:
    with db.session() as s:
        perform(s, load_for_update(s, ticket_id), action, VISITOR, payload, now=when)


def visit(db, when: datetime, ticket_id: int, satisfaction: str, resolved: bool) -> None:
    payload = {"resolved": resolved, "satisfaction": satisfaction, "method": "phone", "attempts": 1}
    annotate(db, when, ticket_id, "record_visit", payload)


def ticket(db, when: datetime, channel: str = "phone_agent") -> int:
    return submit(db, Submission(channel=channel, content="小区路灯不亮，晚上出行不便。"), now=when).ticket_id


def handled(
    db, city: City, unit: str, unit_id: int, *, month: int = 11, day: int = 2, channel: str = "phone_agent"
) -> int:
    """A ticket the city sends to `unit_id` at 10:00 on `day`, signed at 11:00."""
    t = ticket(db, at(month, day, 9), channel)
    do(db, at(month, day, 10), dispatch_ticket, city.op(db, "city"), t, unit_id)
    do(db, at(month, day, 11), sign, city.op(db, unit), lead_of(db, t, unit_id))
    return t


def replied_and_closed(db, city: City, unit: str, unit_id: int, t: int, when: datetime) -> None:
    do(db, when, reply, city.op(db, unit), lead_of(db, t, unit_id), "已修复路灯。", resolved=True)
    do(db, when.replace(minute=30), review, city.op(db, "city"), t, accept=True)


@pytest.fixture
def month(db, city: City) -> City:
    return build_month(db, city)


def build_month(db, city: City) -> City:
    """The month described at the top of this file."""
    dep = city.department
    # October, out of the period.
    t0 = handled(db, city, "department", dep, month=10, day=12)
    replied_and_closed(db, city, "department", dep, t0, at(10, 13, 10))
    visit(db, at(10, 14, 10), t0, "unsatisfied", False)

    t1 = handled(db, city, "department", dep)
    replied_and_closed(db, city, "department", dep, t1, at(11, 3, 10))
    annotate(db, at(11, 4, 10), t1, "survey_unreachable", {"attempts": 3})
    visit(db, at(11, 5, 10), t1, "satisfied", True)
    t2 = handled(db, city, "department", dep)
    replied_and_closed(db, city, "department", dep, t2, at(11, 3, 10))
    visit(db, at(11, 5, 10), t2, "basically_satisfied", True)
    t3 = ticket(db, at(11, 2, 9))
    do(db, at(11, 2, 10), dispatch_ticket, city.op(db, "city"), t3, dep)
    do(db, at(11, 4, 10), sign, city.op(db, "department"), lead_of(db, t3, dep))
    replied_and_closed(db, city, "department", dep, t3, at(11, 12, 10))
    visit(db, at(11, 13, 10), t3, "unsatisfied", False)
    annotate(db, at(11, 13, 11), t3, "reopen", {"reason": "回访不满意"})
    t4 = ticket(db, at(11, 2, 9))
    do(db, at(11, 2, 10), dispatch_ticket, city.op(db, "city"), t4, dep)
    do(db, at(11, 2, 12), return_assignment, city.op(db, "department"), lead_of(db, t4, dep), "not_our_duty")
    t5 = handled(db, city, "department", dep)
    request = do(
        db, at(11, 3, 9), request_extension, city.op(db, "department"), lead_of(db, t5, dep), 2, "需协调"
    )
    do(db, at(11, 3, 10), decide_extension, city.op(db, "city"), request.id, approve=True)

    t6 = ticket(db, at(11, 2, 9))
    do(db, at(11, 2, 10), dispatch_ticket, city.op(db, "city"), t6, city.district)
    do(db, at(11, 2, 10.5), sign, city.op(db, "district"), lead_of(db, t6, city.district))
    do(db, at(11, 2, 11), dispatch_ticket, city.op(db, "district"), t6, city.street)
    do(db, at(11, 2, 12), sign, city.op(db, "street"), lead_of(db, t6, city.street))
    do(
        db,
        at(11, 3, 10),
        reply,
        city.op(db, "street"),
        lead_of(db, t6, city.street),
        "已修复。",
        resolved=True,
    )
    do(db, at(11, 3, 11), review, city.op(db, "district"), t6, accept=True)
    do(db, at(11, 3, 12), review, city.op(db, "city"), t6, accept=True)
    visit(db, at(11, 4, 10), t6, "satisfied", True)

    t7 = handled(db, city, "district", city.district, channel="rating_device")
    do(
        db,
        at(11, 3, 10),
        reply,
        city.op(db, "district"),
        lead_of(db, t7, city.district),
        "已整改。",
        resolved=True,
    )
    do(db, at(11, 3, 11), review, city.op(db, "city"), t7, accept=True)
    t8 = handled(db, city, "district", city.district, channel="qr_rating")
    annotate(db, at(11, 3, 10), t8, "appeal_rating", {"reason": "评价对象错误"})
    annotate(db, at(11, 4, 10), t8, "decide_appeal", {"upheld": True, "note": "经核实非本单位窗口"})
    t9 = handled(db, city, "district", city.district, channel="rating_device")
    annotate(db, at(11, 3, 10), t9, "appeal_rating", {"reason": "不认可"})
    annotate(db, at(11, 4, 10), t9, "decide_appeal", {"upheld": False, "note": "申诉理由不成立"})
    return city


def november(db, units: list[int] | None = None):
    with db.read_session() as s:
        return assess(s, month_period("2026-11"), load_policy(s), at(12, 1, 0), units)


def test_month_figures_match_the_hand_count(db, month: City):
    result = november(db)
    by_unit = {row.unit_id: row for row in result.units}
    assert set(by_unit) == {month.department, month.district, month.street}

    dep = by_unit[month.department]
    assert (dep.sign_due, dep.signed_in_time, dep.response_rate) == (5, 4, 80.0)
    assert (dep.reply_due, dep.replied_in_time, dep.on_time_rate) == (4, 2, 50.0)
    assert (dep.callbacks, dep.resolved, dep.satisfied, dep.basically_satisfied, dep.unsatisfied) == (
        3,
        2,
        1,
        1,
        1,
    )
    assert (dep.resolution_rate, dep.satisfaction_rate) == (66.67, 63.33)
    assert (dep.returns, dep.reopenings, dep.extensions) == (1, 1, 1)
    assert dep.composite == 66.67 and dep.rank == 3

    district = by_unit[month.district]
    assert (district.sign_due, district.response_rate, district.reply_due, district.on_time_rate) == (
        4,
        100.0,
        4,
        50.0,
    )
    assert (district.callbacks, district.resolution_rate, district.satisfaction_rate) == (1, 100.0, 100.0)
    assert (district.bad_ratings, district.bad_ratings_rectified, district.bad_ratings_excluded) == (2, 1, 1)
    assert district.rectification_rate == 50.0
    assert district.composite == 100.0 and district.rank == 1

    street = by_unit[month.street]
    assert (street.response_rate, street.on_time_rate, street.satisfaction_rate) == (100.0, 100.0, 100.0)
    assert street.rank == 1  # a tie shares the rank
    assert [row.unit_id for row in result.units][-1] == month.department

    assert [(e.unit_id, e.note) for e in result.exclusions] == [(month.district, "经核实非本单位窗口")]
    assert result.weights == {"response": 0.1, "resolution": 0.5, "satisfaction": 0.4}


def test_weights_come_from_the_policy_settings(db, month: City):
    with db.session() as s:
        set_setting(s, "weight_response", 1)
        set_setting(s, "weight_resolution", 0)
        set_setting(s, "weight_satisfaction", 0)
    dep = next(r for r in november(db).units if r.unit_id == month.department)
    assert dep.composite == 80.0


def test_a_scope_limits_the_rows_not_the_figures(db, month: City):
    result = november(db, [month.street, month.community])
    assert [(r.unit_id, r.composite) for r in result.units] == [(month.street, 100.0)]
    assert result.exclusions == []


def test_october_holds_only_the_october_ticket(db, month: City):
    with db.read_session() as s:
        result = assess(s, month_period("2026-10"), load_policy(s), at(12, 1, 0))
    [dep] = result.units
    assert (dep.unit_id, dep.callbacks, dep.satisfaction_rate, dep.on_time_rate) == (
        month.department,
        1,
        0.0,
        100.0,
    )


@pytest.mark.parametrize("bad", ["2026-13", "26-11", "2026/11", ""])
def test_a_bad_month_is_refused(bad: str):
    with pytest.raises(InvalidInput):
        month_period(bad)


def test_dashboard_figures_of_the_month(db, month: City):
    with db.read_session() as s:
        period = month_period("2026-11")
        volume = daily_volume(s, period)
        surveys = survey_results(s, period)
        spots = hotspots(s, period)
    assert len(volume) == 30 and volume["2026-11-02"] == 9 and sum(volume.values()) == 9
    assert surveys == {"满意": 2, "基本满意": 1, "不满意": 1, "未接通（无效回访）": 1}
    assert spots.rows() == [["未分类", 9]] and spots.districts == ["未定位"]


def call(
    agent: int | None, start: datetime, wait: float, talk: float | None, outcome: str, n: int
) -> CallRecord:
    answered = None if talk is None else start + timedelta(seconds=wait)
    return CallRecord(
        sip_call_id=f"call-{n}",
        direction="inbound",
        caller="13800000000",
        started_at=start,
        queued_at=start,
        answered_at=answered,
        ended_at=(answered + timedelta(seconds=talk))
        if answered and talk
        else start + timedelta(seconds=wait),
        wait_seconds=wait,
        outcome=outcome,
        agent_user_id=agent,
    )


def test_call_figures_follow_gb_t_33358(db, city: City):
    agent = city.users["agent"]
    day = at(11, 2, 10)
    with db.session() as s:
        s.add_all(
            [
                call(agent, day, 10, 100, "answered", 1),
                call(agent, day, 20, 200, "answered", 2),
                call(None, day, 40, None, "abandoned", 3),
                call(agent, at(11, 3, 10), 15, 300, "answered", 4),
                call(agent, at(10, 31, 10), 5, 50, "answered", 5),  # October
            ]
        )
    with db.read_session() as s:
        period = month_period("2026-11")
        whole, per_agent = call_figures(s, period)
        daily = daily_answer_rates(s, period)
    assert (whole.offered, whole.answered, whole.answered_within_target, whole.abandoned) == (4, 3, 2, 1)
    assert (whole.answer_rate_15s, whole.abandonment_rate, whole.average_handling_seconds) == (
        50.0,
        25.0,
        200.0,
    )
    assert (per_agent.agent_user_id, per_agent.offered, per_agent.answer_rate_15s) == (agent, 3, 66.67)
    assert daily["2026-11-02"] == 33.33 and daily["2026-11-03"] == 100.0 and daily["2026-11-04"] is None


def test_hotspots_name_the_top_category_and_the_district(db, city: City):
    with db.session() as s:
        s.add_all(
            [
                Category(code="020000", name="城乡建设", parent_code=None, level=1),
                Category(code="020100", name="市政设施", parent_code="020000", level=2),
                Category(code="020101", name="路灯故障", parent_code="020100", level=3),
            ]
        )
    for area in ("D01S01C01", "D01S01", None):
        sub = Submission(channel="phone_agent", content="路灯不亮", category_code="020101", area_code=area)
        submit(db, sub, now=at(11, 2, 9))
    with db.read_session() as s:
        spots = hotspots(s, month_period("2026-11"))
    assert spots.districts == ["云溪区", "未定位"] and spots.rows() == [["城乡建设", 2, 1]]
