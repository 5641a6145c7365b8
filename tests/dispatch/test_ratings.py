"""好差评 in the domain: one record per device key, 差评 → a ticket at the rated unit with the 7-day
deadline, 申诉复核, the default 基本满意 sweep and the statistics — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from dispatch.bad_ratings import unfinished_bad_ratings
from dispatch.context import dispatch_context
from dispatch.jobs import configure, rating_sweep_job
from dispatch.models import Assignment
from dispatch.operators import Forbidden
from dispatch.rating_appeals import appeal_rating, decide_appeal
from dispatch.rating_stats import rating_stats
from dispatch.rating_sweep import rating_sweep
from dispatch.ratings import Accepted, accept_device_rating, issue_ticket_qr, rate_by_qr
from tests.support.ratings import build_hall
from ticketing.errors import IllegalTransition, InvalidInput
from ticketing.evaluations import RatingInput, parse_rating
from ticketing.intake import submit
from ticketing.models import Evaluation, Ticket
from ticketing.rating_tokens import TokenGone
from ticketing.submission import Submission
from ticketing.ticket_actions import SYSTEM, events_of, load_for_update, perform

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Beijing


def rate(db, hall, level: str, key: str, **extra) -> Accepted:
    return accept_device_rating(db, hall.token, {"level": level, "idempotency_key": key, **extra}, NOW)


def rating(level: str, key: str | None = None, **extra) -> RatingInput:
    return parse_rating({"level": level, "idempotency_key": key, **extra}, NOW)


def test_replayed_key_gives_one_record_and_a_bad_rating_one_ticket(db, city) -> None:
    hall = build_hall(db, city)
    first = rate(db, hall, "不满意", "k-1", reasons=["等候时间长"])
    again = [rate(db, hall, "不满意", "k-1") for _ in range(3)]
    assert first.created and not any(a.created for a in again)
    assert {a.evaluation_id for a in again} == {first.evaluation_id}
    assert {a.bad_ticket_id for a in again} == {first.bad_ticket_id}
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Evaluation)) == 1
        ticket = s.get_one(Ticket, first.bad_ticket_id)
        assert (ticket.channel, ticket.holder_unit_id, ticket.status) == (
            "rating_device",
            hall.unit,
            "dispatched",
        )
        assert ticket.contact_phone is None and "等候时间长" in ticket.content
        lead = s.execute(
            select(Assignment).where(Assignment.ticket_id == ticket.id, Assignment.role == "lead")
        ).scalar_one()
        assert lead.unit_id == hall.unit and lead.final
        assert lead.reply_due_at == NOW + timedelta(days=7)


def test_good_rating_makes_no_ticket_and_bad_input_is_refused(db, city) -> None:
    hall = build_hall(db, city)
    assert rate(db, hall, "非常满意", "k-2").bad_ticket_id is None
    with db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 0
    for body, code in (
        ({"level": "还行"}, "invalid_level"),
        ({"level": "满意", "rated_at": "2026-03-02 10:00"}, "invalid_rated_at"),
        ({"level": "满意", "rated_at": "2030-01-01T00:00:00+08:00"}, "rated_at_out_of_range"),
        ({"level": "满意", "reasons": "慢"}, "invalid_reasons"),
    ):
        with pytest.raises(InvalidInput) as error:
            parse_rating(body, NOW)
        assert error.value.code == code


def test_appeal_then_platform_decision_excludes_the_rating(db, city) -> None:
    hall = build_hall(db, city)
    bad = rate(db, hall, "非常不满意", "k-3")
    with dispatch_context(db, NOW) as ctx, pytest.raises(Forbidden):
        appeal_rating(ctx, city.op(db, "other_street"), bad.bad_ticket_id, "恶意差评")
    with dispatch_context(db, NOW) as ctx, pytest.raises(IllegalTransition):
        decide_appeal(ctx, city.op(db, "city"), bad.bad_ticket_id, True, "无申诉")  # nothing to decide yet
    with dispatch_context(db, NOW) as ctx:
        appeal_rating(ctx, city.op(db, "street"), bad.bad_ticket_id, "评价人误操作，现场录像可证")
    with dispatch_context(db, NOW) as ctx, pytest.raises(IllegalTransition):
        appeal_rating(ctx, city.op(db, "street"), bad.bad_ticket_id, "再申诉")
    with dispatch_context(db, NOW) as ctx, pytest.raises(Forbidden):
        decide_appeal(ctx, city.op(db, "street"), bad.bad_ticket_id, True, "自己裁决")
    with dispatch_context(db, NOW) as ctx:
        decide_appeal(ctx, city.op(db, "city"), bad.bad_ticket_id, True, "核实为误操作，不计入考核")
    with db.read_session() as s:
        evaluation = s.get_one(Evaluation, bad.evaluation_id)
        assert evaluation.excluded and evaluation.appeal_status == "upheld"
        log = [(e.action, e.payload) for e in events_of(s, bad.bad_ticket_id)][-2:]
        assert log == [
            ("appeal_rating", {"reason": "评价人误操作，现场录像可证"}),
            ("decide_appeal", {"upheld": True, "note": "核实为误操作，不计入考核"}),
        ]
        assert rating_stats(s, "window") == []  # the only rating no longer counts


def test_stats_per_hall_window_and_staff(db, city) -> None:
    hall = build_hall(db, city)
    for i, level in enumerate(["非常满意", "满意", "满意", "基本满意", "不满意"]):
        rate(db, hall, level, f"s-{i}")
    with db.read_session() as s:
        for by in ("hall", "window", "staff", "unit"):
            (row,) = rating_stats(s, by)
            assert (row.total, row.bad, row.satisfaction_rate) == (5, 1, 0.8)
            assert row.counts["satisfied"] == 2
        assert rating_stats(s, "hall", since=NOW + timedelta(seconds=1)) == []
        with pytest.raises(InvalidInput):
            rating_stats(s, "floor")


def closed_ticket(db, city) -> int:
    result = submit(
        db, Submission(channel="phone_agent", content="社保卡补办咨询", contact_phone="13800138000"), now=NOW
    )
    with db.session() as s:
        ticket = load_for_update(s, result.ticket_id)
        perform(s, ticket, "close_directly", SYSTEM, {"answer": "已告知"}, now=NOW)
    return result.ticket_id


def test_qr_rates_a_closed_ticket_once(db, city) -> None:
    ticket_id = closed_ticket(db, city)
    with db.session() as s:
        _, token = issue_ticket_qr(s, ticket_id, NOW)
        _, second = issue_ticket_qr(s, ticket_id, NOW)
    done = rate_by_qr(db, token, rating("满意", comment="答复清楚"), NOW)
    with pytest.raises(TokenGone):
        rate_by_qr(db, token, rating("满意"), NOW)
    with pytest.raises(TokenGone):  # 一事一评: another code of the same ticket is spent too
        rate_by_qr(db, second, rating("不满意"), NOW)
    with db.read_session() as s:
        assert s.get_one(Evaluation, done.evaluation_id).rated_ticket_id == ticket_id
        assert events_of(s, ticket_id)[-1].action == "rating"


def test_sweep_defaults_unrated_closed_tickets_once_and_finishes_stuck_bad_ratings(db, city) -> None:
    ticket_id = closed_ticket(db, city)
    assert rating_sweep(db, NOW + timedelta(days=6)).defaulted == 0
    configure(db.url)  # as an RQ worker runs it
    assert rating_sweep_job((NOW + timedelta(days=7, minutes=1)).isoformat()) == {"routed": 0, "defaulted": 1}
    assert rating_sweep(db, NOW + timedelta(days=8)).defaulted == 0
    with db.read_session() as s:
        evaluation = s.execute(select(Evaluation).where(Evaluation.rated_ticket_id == ticket_id)).scalar_one()
        assert (evaluation.level, evaluation.source) == ("basically_satisfied", "default")
    # A crash after recording a 差评 but before its ticket: the sweep makes and routes it.
    hall = build_hall(db, city, "备用评价器")
    with db.session() as s:
        from ticketing.evaluations import Rated, record_evaluation

        record_evaluation(
            s,
            "rating_device",
            Rated(unit_id=hall.unit, device_id=hall.device),
            rating("不满意", "lost"),
            now=NOW,
        )
    with db.read_session() as s:
        assert len(unfinished_bad_ratings(s)) == 1
    assert rating_sweep(db, NOW).routed == 1
    with db.read_session() as s:
        assert unfinished_bad_ratings(s) == []
        assert (
            s.execute(select(Ticket.holder_unit_id).where(Ticket.channel == "rating_device")).scalar_one()
            == hall.unit
        )
