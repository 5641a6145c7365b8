"""Graded dispatch end to end on both databases: city → district → street → community and back up,
returns, arbitration, extensions, review, merge, cancel — and the bad actions that must change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dispatch.context import dispatch_context
from dispatch.extensions import decide_extension, request_extension
from dispatch.graded_dispatch import arbitrate, close_directly, dispatch_ticket
from dispatch.handling import helper_reply, reply, sign
from dispatch.models import Assignment
from dispatch.operators import Forbidden
from dispatch.returns import return_assignment
from dispatch.review import review
from dispatch.withdrawal import cancel, merge
from ticketing.errors import HotlineError, IllegalTransition, InvalidInput
from ticketing.intake import submit
from ticketing.models import Ticket, TicketEvent
from ticketing.projection import replay, snapshot
from ticketing.submission import Submission
from ticketing.ticket_actions import Actor, events_of

MONDAY_10 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10:00 in Beijing, a working day


def new_ticket(db, content: str = "柳湾社区3号楼下水道堵塞，污水外溢。", **extra) -> int:
    return submit(db, Submission(channel="phone_agent", content=content, **extra), now=MONDAY_10).ticket_id


class Clock:
    """Each step one hour later, so the event log reads in order."""

    def __init__(self) -> None:
        self.now = MONDAY_10

    def tick(self, hours: float = 1) -> datetime:
        self.now += timedelta(hours=hours)
        return self.now


def act(db, clock: Clock, fn, *args, **kwargs):
    with dispatch_context(db, clock.tick()) as ctx:
        return fn(ctx, *args, **kwargs)


def lead_of(db, ticket_id: int, unit_id: int) -> int:
    with db.read_session() as s:
        return (
            s.execute(
                select(Assignment.id)
                .where(
                    Assignment.ticket_id == ticket_id,
                    Assignment.unit_id == unit_id,
                    Assignment.role == "lead",
                )
                .order_by(Assignment.id.desc())
            )
            .scalars()
            .first()
        )


def ticket_row(db, ticket_id: int) -> Ticket:
    with db.read_session() as s:
        return s.get_one(Ticket, ticket_id)


def actions(db, ticket_id: int) -> list[str]:
    with db.read_session() as s:
        return [e.action for e in events_of(s, ticket_id)]


def test_four_levels_down_and_reviewed_back_up(db, city):
    clock, t = Clock(), new_ticket(db)
    act(db, clock, dispatch_ticket, city.op(db, "city"), t, city.district, [city.department])
    act(db, clock, sign, city.op(db, "district"), lead_of(db, t, city.district))
    act(db, clock, dispatch_ticket, city.op(db, "district"), t, city.street)
    act(db, clock, sign, city.op(db, "street"), lead_of(db, t, city.street))
    act(db, clock, dispatch_ticket, city.op(db, "street"), t, city.community)
    act(db, clock, sign, city.op(db, "community"), lead_of(db, t, city.community))
    with db.read_session() as s:
        helper = s.execute(select(Assignment.id).where(Assignment.role == "helper")).scalar_one()
    act(db, clock, helper_reply, city.op(db, "department"), helper, "已安排执法人员配合现场检查。")
    act(
        db,
        clock,
        reply,
        city.op(db, "community"),
        lead_of(db, t, city.community),
        "已疏通下水道。",
        resolved=True,
    )
    assert ticket_row(db, t).status == "replied"
    act(db, clock, review, city.op(db, "street"), t, accept=True)
    act(db, clock, review, city.op(db, "district"), t, accept=True)
    assert ticket_row(db, t).status == "replied"  # still travelling up
    act(db, clock, review, city.op(db, "city"), t, accept=True)

    row = ticket_row(db, t)
    assert row.status == "closed" and row.closed_at == clock.now
    assert actions(db, t) == [
        "register",
        "dispatch",
        "sign",
        "dispatch",
        "sign",
        "dispatch",
        "sign",
        "helper_reply",
        "reply",
        "review_pass",
        "review_pass",
        "close",
    ]
    with db.read_session() as s:
        log = events_of(s, t)
        assert snapshot(replay(log)) == snapshot(s.get_one(Ticket, t))
        reply_event = next(e for e in log if e.action == "reply")
        assert reply_event.payload["helper_replies"][0]["text"] == "已安排执法人员配合现场检查。"
        assert (
            s.scalar(
                select(func.count())
                .select_from(Assignment)
                .where(Assignment.ticket_id == t, Assignment.status.in_(("pending", "signed", "forwarded")))
            )
            == 0
        )


def test_return_redispatch_and_extension(db, city):
    clock, t = Clock(), new_ticket(db)
    act(db, clock, dispatch_ticket, city.op(db, "city"), t, city.district)
    act(db, clock, sign, city.op(db, "district"), lead_of(db, t, city.district))
    act(db, clock, dispatch_ticket, city.op(db, "district"), t, city.street)
    act(
        db,
        clock,
        return_assignment,
        city.op(db, "street"),
        lead_of(db, t, city.street),
        "wrong_area",
        "该地址属于白沙街道",
    )
    row = ticket_row(db, t)
    assert (row.status, row.holder_unit_id) == ("registered", city.district)
    act(db, clock, dispatch_ticket, city.op(db, "district"), t, city.other_street)
    assignment = lead_of(db, t, city.other_street)
    act(db, clock, sign, city.op(db, "other_street"), assignment)
    with db.read_session() as s:
        due_before = s.get_one(Assignment, assignment).reply_due_at
    request = act(
        db, clock, request_extension, city.op(db, "other_street"), assignment, 3, "需协调燃气公司停气施工"
    )
    act(db, clock, decide_extension, city.op(db, "district"), request.id, approve=True, note="同意")
    with db.read_session() as s:
        extended = s.get_one(Assignment, assignment)
        assert extended.extension_count == 1
        assert extended.reply_due_at > due_before
    assert actions(db, t)[-3:] == ["sign", "request_extension", "decide_extension"]
    assert "return" in actions(db, t)


def test_second_return_goes_to_arbitration_and_the_named_unit_cannot_return(db, city):
    clock, t = Clock(), new_ticket(db)
    city_op = city.op(db, "city")
    act(db, clock, dispatch_ticket, city_op, t, city.district)
    act(db, clock, return_assignment, city.op(db, "district"), lead_of(db, t, city.district), "not_our_duty")
    act(db, clock, dispatch_ticket, city_op, t, city.department)
    act(
        db,
        clock,
        return_assignment,
        city.op(db, "department"),
        lead_of(db, t, city.department),
        "not_our_duty",
    )
    row = ticket_row(db, t)
    assert row.holder_unit_id == city.platform and row.extra["arbitration_required"] is True
    with pytest.raises(IllegalTransition) as error:
        act(db, clock, dispatch_ticket, city_op, t, city.district)
    assert error.value.code == "arbitration_required"
    with pytest.raises(Forbidden):
        act(db, clock, arbitrate, city.op(db, "district"), t, city.district, "由区里办")
    act(db, clock, arbitrate, city_op, t, city.district, "属地管理原则，由云溪区办理")
    assert "arbitration_required" not in ticket_row(db, t).extra
    before = actions(db, t)
    with pytest.raises(IllegalTransition) as error:
        act(
            db,
            clock,
            return_assignment,
            city.op(db, "district"),
            lead_of(db, t, city.district),
            "not_our_duty",
        )
    assert error.value.code in ("return_after_arbitration", "too_many_returns")
    assert actions(db, t) == before


def test_rejected_reply_goes_back_counted_as_redo(db, city):
    clock, t = Clock(), new_ticket(db)
    act(db, clock, dispatch_ticket, city.op(db, "city"), t, city.department)
    a = lead_of(db, t, city.department)
    act(db, clock, sign, city.op(db, "department"), a)
    with pytest.raises(InvalidInput) as error:
        act(db, clock, reply, city.op(db, "department"), a, "已处理", resolved=False, attachment_ids=(999,))
    assert error.value.code == "unknown_attachment"
    act(db, clock, reply, city.op(db, "department"), a, "已处理", resolved=False)
    with pytest.raises(InvalidInput):
        act(db, clock, review, city.op(db, "city"), t, accept=False)
    act(db, clock, review, city.op(db, "city"), t, accept=False, reason="答复过于简单，请说明处理结果")
    row = ticket_row(db, t)
    assert (row.status, row.reopen_count, row.holder_unit_id) == ("in_progress", 1, city.department)


BAD_ACTIONS = [
    "sign_other",
    "third_return",
    "extension_too_long",
    "second_extension",
    "reply_before_sign",
    "dispatch_two_levels",
    "dispatch_not_holder",
    "bad_reason",
]


@pytest.mark.parametrize("bad", BAD_ACTIONS)
def test_bad_actions_get_clear_errors_and_change_nothing(db, city, bad):
    clock, t = Clock(), new_ticket(db)
    act(db, clock, dispatch_ticket, city.op(db, "city"), t, city.district)
    district_lead = lead_of(db, t, city.district)
    if bad == "third_return":
        act(db, clock, return_assignment, city.op(db, "district"), district_lead, "not_our_duty")
        act(db, clock, dispatch_ticket, city.op(db, "city"), t, city.department)
        act(
            db,
            clock,
            return_assignment,
            city.op(db, "department"),
            lead_of(db, t, city.department),
            "other",
            "x",
        )
        act(db, clock, arbitrate, city.op(db, "city"), t, city.department, "由城管局办理")
    if bad in ("extension_too_long", "second_extension"):
        act(db, clock, sign, city.op(db, "district"), district_lead)
    if bad == "second_extension":
        request = act(db, clock, request_extension, city.op(db, "district"), district_lead, 2, "需要时间")
        act(db, clock, decide_extension, city.op(db, "city"), request.id, approve=True)
    with db.read_session() as s:
        events_before = s.scalar(select(func.count()).select_from(TicketEvent))
        assignments_before = [
            (a.id, a.status, a.reply_due_at) for a in s.execute(select(Assignment)).scalars()
        ]
    attempts = {
        "sign_other": lambda: act(db, clock, sign, city.op(db, "department"), district_lead),
        "third_return": lambda: act(
            db,
            clock,
            return_assignment,
            city.op(db, "department"),
            lead_of(db, t, city.department),
            "not_our_duty",
        ),
        "extension_too_long": lambda: act(
            db, clock, request_extension, city.op(db, "district"), district_lead, 11, "太多"
        ),
        "second_extension": lambda: act(
            db, clock, request_extension, city.op(db, "district"), district_lead, 1, "再延一次"
        ),
        "reply_before_sign": lambda: act(
            db, clock, reply, city.op(db, "district"), district_lead, "答复", resolved=True
        ),
        "dispatch_two_levels": lambda: act(
            db, clock, dispatch_ticket, city.op(db, "district"), t, city.community
        ),
        "dispatch_not_holder": lambda: act(
            db, clock, dispatch_ticket, city.op(db, "street"), t, city.community
        ),
        "bad_reason": lambda: act(
            db, clock, return_assignment, city.op(db, "district"), district_lead, "lazy"
        ),
    }
    with pytest.raises(HotlineError) as error:
        attempts[bad]()
    assert error.value.code and any("\u4e00" <= ch <= "\u9fff" for ch in error.value.message)
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(TicketEvent)) == events_before
        assert [
            (a.id, a.status, a.reply_due_at) for a in s.execute(select(Assignment)).scalars()
        ] == assignments_before


def test_merge_children_hear_the_parents_answer_and_cancel(db, city):
    clock = Clock()
    parent, child, withdrawn = new_ticket(db), new_ticket(db, "3号楼下水道又堵了"), new_ticket(db, "路灯不亮")
    act(db, clock, merge, city.op(db, "city"), child, parent)
    assert ticket_row(db, child).status == "merged" and ticket_row(db, child).merged_into_id == parent
    act(db, clock, close_directly, city.op(db, "agent"), parent, "已告知疏通电话，物业已处理")
    assert actions(db, child)[-1] == "note"
    with db.read_session() as s:
        assert events_of(s, child)[-1].payload["answer"] == "已告知疏通电话，物业已处理"
    act(db, clock, cancel, withdrawn, Actor("市民（电话撤单）"), "问题已自行解决")
    assert ticket_row(db, withdrawn).status == "cancelled"


def test_platform_agent_dispatches_first_level_only(db, city):
    clock, t = Clock(), new_ticket(db)
    agent = city.op(db, "agent")
    act(db, clock, dispatch_ticket, agent, t, city.district)
    assert ticket_row(db, t).holder_unit_id == city.district
    act(db, clock, sign, city.op(db, "district"), lead_of(db, t, city.district))
    before = actions(db, t)
    # Lower levels stay with their dispatchers: an agent cannot act for the district.
    with pytest.raises(Forbidden) as error:
        act(db, clock, dispatch_ticket, agent, t, city.street)
    assert error.value.code == "not_a_dispatcher"
    assert actions(db, t) == before
