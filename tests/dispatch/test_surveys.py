"""回访 bookkeeping on both databases: scheduling within allowed hours, attempts and the unreachable
end, answers becoming ticket events, the review queue (重办 or why not), 并单 and opt-out, and the
sweep that re-issues from the database after Redis lost everything."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

import pytest
import redis
from sqlalchemy import select

from dispatch.context import dispatch_context
from dispatch.graded_dispatch import close_directly
from dispatch.handling import reply, sign
from dispatch.models import Assignment
from dispatch.operators import Forbidden
from dispatch.ratings import accept_device_rating
from dispatch.review import review
from dispatch.survey_models import SurveyTask
from dispatch.survey_review import decide
from dispatch.survey_sweep import survey_sweep
from dispatch.surveys import SurveyPolicy, agent_worklist, enter_answers, next_allowed, settle_result
from dispatch.withdrawal import merge
from tests.support.ratings import build_hall
from tests.support.surveys import MONDAY_10, PHONE, at, handled_and_closed, new_ticket, run
from ticketing.call_bus import COMMANDS_STREAM
from ticketing.errors import HotlineError
from ticketing.models import Citizen, Ticket
from ticketing.ticket_actions import Actor, events_of

POLICY = SurveyPolicy(delay=timedelta(hours=1), attempts=3, retry_after=timedelta(hours=2))


def commands(client: redis.Redis) -> list[dict]:
    return [json.loads(f[b"command"]) for _, f in client.xrange(COMMANDS_STREAM)]


def actions(db, ticket_id: int) -> list[str]:
    with db.read_session() as s:
        return [e.action for e in events_of(s, ticket_id)]


def last_event(db, ticket_id: int, action: str):
    with db.read_session() as s:
        return [e for e in events_of(s, ticket_id) if e.action == action][-1]


def tasks(db) -> list[SurveyTask]:
    with db.read_session() as s:
        return list(s.execute(select(SurveyTask).order_by(SurveyTask.id)).scalars())


@pytest.fixture
def bus(redis_url: str):
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def test_allowed_hours_skip_nights_weekends_and_holidays(db, city):
    hours = (time(9), time(20))
    with dispatch_context(db, MONDAY_10) as ctx:
        calendar = ctx.calendar
    assert next_allowed(calendar, at(23, 10), hours) == at(23, 10)
    assert next_allowed(calendar, at(23, 7), hours) == at(23, 9)
    assert next_allowed(calendar, at(23, 20), hours) == at(24, 9)  # 20:00 is already night
    assert next_allowed(calendar, at(27, 21), hours) == at(30, 9)  # Friday night → Monday
    # 2026-10-01 (National Day) to 10-07 are holidays; 10-08 is the first working day.
    oct_1 = datetime(2026, 10, 1, 2, tzinfo=UTC)
    assert next_allowed(calendar, oct_1, hours).astimezone(calendar.tz).date().isoformat() == "2026-10-08"


def test_closure_schedules_a_call_answers_become_events_and_review_reopens(db, city, bus):
    t = handled_and_closed(db, city)
    report = survey_sweep(db, bus, POLICY, at(23, 14, 30))
    assert report.scheduled == 1 and report.issued == []  # due 15:00: an hour after closure
    [task] = tasks(db)
    assert task.state == "scheduled" and task.due_at == at(23, 15) and task.phone_e164 == "+86" + PHONE

    report = survey_sweep(db, bus, POLICY, at(23, 15, 1))
    assert report.issued == [f"survey-{task.id}-1"]
    [command] = commands(bus)
    assert command["command"] == "survey" and command["number"] == "+86" + PHONE
    assert command["report_job"] == "dispatch.jobs.survey_result_job"
    assert survey_sweep(db, bus, POLICY, at(23, 15, 2)).issued == []  # in flight: not sent twice

    result = {"request_id": command["request_id"], "outcome": "answered", "sip_status": 200}
    result |= {"resolved": False, "satisfaction": "unsatisfied"}
    run(db, at(23, 15, 3), settle_result, POLICY, result)
    assert run(db, at(23, 15, 4), settle_result, POLICY, result) is None  # a retried job: no-op
    assert actions(db, t)[-2:] == ["callback_attempt", "record_visit"]
    visit = last_event(db, t, "record_visit").payload
    assert visit == {"resolved": False, "satisfaction": "unsatisfied", "method": "auto_call", "attempts": 1}
    assert last_event(db, t, "callback_attempt").payload["outcome"] == "answered"
    assert [task.state for task in tasks(db)] == ["review"]

    with pytest.raises(Forbidden):  # only the platform decides
        run(db, at(23, 16), decide, city.op(db, "district"), t, reopen=True, reason="再查")
    with pytest.raises(HotlineError) as missing_reason:
        run(db, at(23, 16), decide, city.op(db, "city"), t, reopen=True, reason=" ")
    assert missing_reason.value.code == "review_reason_required"
    assert actions(db, t)[-1] == "record_visit"  # nothing changed

    run(db, at(23, 16), decide, city.op(db, "city"), t, reopen=True, reason="市民反映仍在外溢")
    reopen = last_event(db, t, "reopen")
    with db.read_session() as s:
        ticket = s.get_one(Ticket, t)
        newest = s.execute(select(Assignment).order_by(Assignment.id.desc()).limit(1)).scalar_one()
    assert ticket.status == "dispatched" and ticket.holder_unit_id == city.district
    assert newest.unit_id == city.district and newest.status == "pending"
    assert newest.reply_due_at is not None and newest.reply_due_at > at(23, 16)
    assert reopen.payload["assignment_id"] == newest.id and reopen.payload["source"] == "survey"
    assert [task.state for task in tasks(db)] == ["reopened"]

    # The unit handles it again; the new closure gets a survey of its own.
    run(db, at(23, 17), sign, city.op(db, "district"), newest.id)
    run(db, at(23, 18), reply, city.op(db, "district"), newest.id, "已更换管道。", resolved=True)
    run(db, at(24, 9), review, city.op(db, "city"), t, accept=True)
    assert survey_sweep(db, bus, POLICY, at(24, 9, 30)).scheduled == 1
    assert [(task.state, task.closure_at) for task in tasks(db)] == [
        ("reopened", at(23, 14)),
        ("scheduled", at(24, 9)),
    ]


def test_three_unanswered_attempts_end_unreachable_then_an_agent_enters_answers(db, city, bus):
    t = handled_and_closed(db, city)
    now = at(23, 19, 30)  # closed at 14:00, due at 15:00: the sweep catches up at 19:30
    issued = survey_sweep(db, bus, POLICY, now).issued
    outcomes = ["no_answer", "busy", "failed"]
    for attempt, outcome in enumerate(outcomes, 1):
        [task] = tasks(db)
        assert issued == [f"survey-{task.id}-{attempt}"]
        run(db, now, settle_result, POLICY, {"request_id": issued[0], "outcome": outcome, "sip_status": 486})
        if attempt == 1:  # 19:30 + 2 h is night: the retry waits for 09:00 the next day
            assert tasks(db)[0].due_at == at(24, 9)
        now = tasks(db)[0].due_at or now
        issued = survey_sweep(db, bus, POLICY, now).issued
    [task] = tasks(db)
    assert task.state == "unreachable" and task.attempts == 3
    attempts = [e.payload for e in events_of_action(db, t, "callback_attempt")]
    assert [(p["attempt"], p["outcome"]) for p in attempts] == list(enumerate(outcomes, 1))
    assert actions(db, t)[-1] == "survey_unreachable"
    with db.read_session() as s:
        assert s.get_one(Ticket, t).status == "closed"

    assert [row.id for row in run(db, now, agent_worklist)] == [task.id]
    agent = Actor("agent", city.users["agent"])
    with pytest.raises(HotlineError) as bad:
        run(db, now, enter_answers, task.id, agent, resolved=True, satisfaction="great", policy=POLICY)
    assert bad.value.code == "invalid_satisfaction"
    run(
        db,
        now,
        enter_answers,
        task.id,
        agent,
        resolved=True,
        satisfaction="basically_satisfied",
        policy=POLICY,
    )
    visit = last_event(db, t, "record_visit").payload
    assert visit == {
        "resolved": True,
        "satisfaction": "basically_satisfied",
        "method": "agent_call",
        "attempts": 4,
    }
    assert tasks(db)[0].state == "answered"  # basically satisfied and resolved: no review
    with pytest.raises(HotlineError):  # entered once only
        run(db, now, enter_answers, task.id, agent, resolved=True, satisfaction="satisfied", policy=POLICY)


def events_of_action(db, ticket_id: int, action: str):
    with db.read_session() as s:
        return [e for e in events_of(s, ticket_id) if e.action == action]


def test_merged_tickets_survey_every_citizen_and_opt_out_is_kept(db, city, bus):
    parent, child = new_ticket(db), new_ticket(db, "13900001111", "3号楼下水道又堵了")
    opted = new_ticket(db, "13700002222", "还是3号楼下水道")
    with db.session() as s:
        s.execute(
            select(Citizen).where(Citizen.phone_e164 == "+8613700002222")
        ).scalar_one().callback_opt_out = True
    run(db, at(23, 11), merge, city.op(db, "city"), child, parent)
    run(db, at(23, 11), merge, city.op(db, "city"), opted, parent)
    run(db, at(23, 12), close_directly, city.op(db, "agent"), parent, "已告知疏通电话，物业已处理")
    survey_sweep(db, bus, POLICY, at(23, 12, 30))
    states = {task.phone_e164: task.state for task in tasks(db)}
    assert states == {
        "+8613812345678": "scheduled",
        "+8613900001111": "scheduled",
        "+8613700002222": "opted_out",
    }
    issued = survey_sweep(db, bus, POLICY, at(23, 13, 1)).issued
    assert len(issued) == 2 and len(commands(bus)) == 2
    first = {"request_id": issued[0], "outcome": "answered", "resolved": True, "satisfaction": "satisfied"}
    run(db, at(23, 13, 2), settle_result, POLICY, first)
    assert "record_visit" not in actions(db, parent)  # the other citizen has not answered yet
    second = {"request_id": issued[1], "outcome": "answered", "resolved": True, "satisfaction": "unsatisfied"}
    run(db, at(23, 13, 3), settle_result, POLICY, second)
    visit = last_event(db, parent, "record_visit").payload
    assert visit["satisfaction"] == "unsatisfied" and visit["resolved"] is True
    assert {r["source_ticket_id"] for r in visit["responses"]} == {parent, child}
    run(db, at(23, 14), decide, city.op(db, "city"), parent, reopen=False, reason="物业已复查，属个人误解")
    assert last_event(db, parent, "survey_review_closed").payload["reason"] == "物业已复查，属个人误解"
    assert sorted(task.state for task in tasks(db)) == ["answered", "opted_out", "review_closed"]


def test_a_flushed_redis_or_lost_worker_loses_no_survey(db, city, bus):
    handled_and_closed(db, city)
    survey_sweep(db, bus, POLICY, at(23, 14, 30))
    first = survey_sweep(db, bus, POLICY, at(23, 15, 1)).issued
    bus.flushall()  # the command (and any worker's claim) is gone; the task row is not
    assert survey_sweep(db, bus, POLICY, at(23, 15, 5)).issued == []  # still in flight
    later = at(23, 15, 1) + POLICY.stale_after
    survey_sweep(db, bus, POLICY, later)  # stale: settled as a lost attempt, retried later
    [task] = tasks(db)
    assert task.state == "scheduled" and task.attempts == 1 and task.last_outcome == "lost"
    again = survey_sweep(db, bus, POLICY, task.due_at).issued
    assert again == [f"survey-{task.id}-2"] and again != first
    assert [c["request_id"] for c in commands(bus)] == again


def test_the_cron_job_sweeps_on_its_own_redis_and_the_result_job_settles(db, city, redis_url, bus):
    from rq import Queue, SimpleWorker

    from dispatch import jobs

    t = handled_and_closed(db, city)
    jobs.configure(db.url, None, POLICY)
    queue = Queue("high", connection=bus)
    sweep = queue.enqueue(jobs.survey_sweep_job, at(23, 15, 1).isoformat())
    SimpleWorker([queue], connection=bus).work(burst=True)
    [request] = sweep.return_value()["issued"]
    assert [c["request_id"] for c in commands(bus)] == [request]
    # What a telephony worker enqueues by name when the call ends (it never imports dispatch).
    result = queue.enqueue(
        "dispatch.jobs.survey_result_job",
        {"request_id": request, "outcome": "answered", "resolved": True, "satisfaction": "satisfied"},
    )
    SimpleWorker([queue], connection=bus).work(burst=True)
    assert result.return_value()["state"] == "answered"
    assert actions(db, t)[-1] == "record_visit"


def test_without_a_gateway_due_surveys_wait_for_agents(db, city, bus):
    handled_and_closed(db, city)
    no_gateway = SurveyPolicy(dial=False)
    assert survey_sweep(db, bus, no_gateway, at(23, 15, 1)).issued == []
    assert commands(bus) == []
    [task] = run(db, at(23, 15, 1), agent_worklist)
    assert task.state == "scheduled" and task.attempts == 0


def test_a_ticket_reopened_before_its_survey_is_not_called(db, city, bus):
    from ticketing.ticket_actions import SYSTEM, load_for_update, perform

    t = handled_and_closed(db, city)
    survey_sweep(db, bus, POLICY, at(23, 14, 30))
    with db.session() as s:  # reopened by another path (e.g. a complaint about the answer)
        perform(
            s, load_for_update(s, t), "reopen", SYSTEM, {"reason": "市民来电称未处理"}, now=at(23, 14, 40)
        )
    assert survey_sweep(db, bus, POLICY, at(23, 15, 1)).issued == []
    assert [task.state for task in tasks(db)] == ["cancelled"] and commands(bus) == []


def test_a_bad_ratings_rater_who_left_a_number_gets_the_feedback_call(db, city, bus):
    hall = build_hall(db, city)
    bad = accept_device_rating(
        db, hall.token, {"level": "不满意", "idempotency_key": "bad-1", "phone": "13912340000"}, at(23, 9)
    )
    silent = accept_device_rating(
        db, hall.token, {"level": "非常不满意", "idempotency_key": "bad-2"}, at(23, 9)
    )
    for ticket_id in (bad.bad_ticket_id, silent.bad_ticket_id):
        with db.read_session() as s:
            lead = s.execute(
                select(Assignment.id).where(Assignment.ticket_id == ticket_id, Assignment.role == "lead")
            ).scalar_one()
        run(db, at(23, 10), sign, city.op(db, "street"), lead)
        run(
            db,
            at(23, 11),
            reply,
            city.op(db, "street"),
            lead,
            "已增派窗口人员，等候时间缩短。",
            resolved=True,
        )
        with db.read_session() as s:
            if s.get_one(Ticket, ticket_id).status == "replied":
                run(db, at(23, 12), review, city.op(db, "city"), ticket_id, accept=True)
            assert s.get_one(Ticket, ticket_id).contact_phone is None  # the unit never saw the number
    survey_sweep(db, bus, POLICY, at(23, 14))
    assert [(t.ticket_id, t.phone_e164) for t in tasks(db)] == [(bad.bad_ticket_id, "+8613912340000")]
