"""考核: per unit and period, the figures of DESIGN §10, each one SQL aggregate over the event log and
the assignments (so a month over a million tickets stays a handful of indexed scans).

Who answers for what:
- Response (签收及时率) and on-time completion (按时办结率) come from the unit's own lead assignments
  and their due columns: a unit is judged on the work it was given.
- Callback results, reopenings and 差评 count against the ticket's *responsible units*: every unit
  holding a lead assignment on it that was not returned or cancelled (a district and the street it
  forwarded to both answer for the outcome).
- Returns count against the unit that returned; extensions against the unit whose deadline moved.

Rates: response = signed (or returned) by the sign deadline / assignments whose sign deadline has
passed or that were answered; completion = replied by the reply deadline / assignments replied in
the period or whose reply deadline passed in it unreplied; resolution = resolved / valid callbacks;
satisfaction (满意率) = (满意 + 0.9 × 基本满意) / valid callbacks. A valid callback is a
`record_visit` event; `survey_unreachable` is not one. A 差评 is rectified when its ticket was
closed by the responsible unit's reply deadline; an upheld appeal (`decide_appeal`, upheld) takes the
差评 out of the unit's figures, and the exclusion is listed.

Composite score = weights · rates (percent), weights from the policy settings (admin-editable);
a unit missing a rate (no callbacks yet) is scored on the rates it has, weights rescaled.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, distinct, func, or_, select
from sqlalchemy.orm import Session

from dispatch.assessment_period import Period
from dispatch.assignments import LEAD
from dispatch.models import Assignment
from dispatch.policy import Policy
from ticketing.models import OrgUnit, Ticket, TicketEvent
from ticketing.vocabulary import Channel

BASICALLY_SATISFIED_WEIGHT = 0.9
NOT_RESPONSIBLE = ("returned", "cancelled")
BAD_RATING_CHANNELS = (Channel.RATING_DEVICE.value, Channel.QR_RATING.value)
WEIGHT_KEYS = {
    "response": "weight_response",
    "resolution": "weight_resolution",
    "satisfaction": "weight_satisfaction",
}


@dataclass
class UnitFigures:
    unit_id: int
    unit_name: str = ""
    sign_due: int = 0
    signed_in_time: int = 0
    reply_due: int = 0
    replied_in_time: int = 0
    callbacks: int = 0
    resolved: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0
    unsatisfied: int = 0
    returns: int = 0
    reopenings: int = 0
    extensions: int = 0
    bad_ratings: int = 0
    bad_ratings_rectified: int = 0
    bad_ratings_excluded: int = 0
    response_rate: float | None = None
    on_time_rate: float | None = None
    resolution_rate: float | None = None
    satisfaction_rate: float | None = None
    rectification_rate: float | None = None
    composite: float | None = None
    rank: int | None = None

    def finish(self, weights: dict[str, float]) -> None:
        self.response_rate = _percent(self.signed_in_time, self.sign_due)
        self.on_time_rate = _percent(self.replied_in_time, self.reply_due)
        self.resolution_rate = _percent(self.resolved, self.callbacks)
        self.satisfaction_rate = _percent(
            self.satisfied + BASICALLY_SATISFIED_WEIGHT * self.basically_satisfied, self.callbacks
        )
        self.rectification_rate = _percent(self.bad_ratings_rectified, self.bad_ratings)
        rates = {
            "response": self.response_rate,
            "resolution": self.resolution_rate,
            "satisfaction": self.satisfaction_rate,
        }
        present = {k: w for k, w in weights.items() if rates[k] is not None and w > 0}
        total = sum(present.values())
        if total > 0:
            self.composite = round(sum(w * rates[k] for k, w in present.items()) / total, 2)  # type: ignore[operator]


@dataclass
class Exclusion:
    """A 差评 taken out of a unit's figures by an upheld appeal: shown beside the figures."""

    ticket_id: int
    number: str
    unit_id: int
    unit_name: str
    decided_at: str
    note: str


@dataclass
class Assessment:
    period: str
    weights: dict[str, float]
    units: list[UnitFigures] = field(default_factory=list)
    exclusions: list[Exclusion] = field(default_factory=list)


def _percent(part: float, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


def weights_of(policy: Policy) -> dict[str, float]:
    return {name: policy.setting(key) for name, key in WEIGHT_KEYS.items()}


def _in(column: Any, period: Period) -> Any:
    return and_(column >= period.start, column < period.end)


def _count_if(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _responsible_join() -> Any:
    """Join condition: the lead assignments that make a unit answer for the ticket's outcome."""
    return and_(
        Assignment.ticket_id == TicketEvent.ticket_id,
        Assignment.role == LEAD,
        Assignment.status.not_in(NOT_RESPONSIBLE),
    )


def _events_per_responsible_unit(action: str, period: Period, *columns: Any) -> Any:
    """The period's `action` events, one row per (event, responsible unit) with `columns`.

    Starts from the few events of the period (index on action, created_at) and reaches the
    assignments through their ticket_id index, rather than reading every assignment ever made."""
    return (
        select(TicketEvent.id.label("event_id"), Assignment.unit_id.label("unit_id"), *columns)
        .select_from(TicketEvent)
        .join(Assignment, _responsible_join())
        .where(TicketEvent.action == action, _in(TicketEvent.created_at, period))
        .distinct()
        .subquery()
    )


def _response(session: Session, period: Period, as_of: datetime) -> Any:
    answered_at = case(
        (and_(Assignment.signed_at.is_(None), Assignment.status == "returned"), Assignment.ended_at),
        else_=Assignment.signed_at,
    )
    return session.execute(
        select(
            Assignment.unit_id,
            func.count(),
            _count_if(answered_at <= Assignment.sign_due_at),
        )
        .where(
            Assignment.role == LEAD,
            _in(Assignment.dispatched_at, period),
            Assignment.sign_due_at.is_not(None),
            or_(answered_at.is_not(None), Assignment.sign_due_at <= as_of),
        )
        .group_by(Assignment.unit_id)
    ).all()


def _completion(session: Session, period: Period, as_of: datetime) -> Any:
    late_unreplied = and_(
        Assignment.replied_at.is_(None),
        _in(Assignment.reply_due_at, period),
        Assignment.reply_due_at <= as_of,
        Assignment.status.not_in(NOT_RESPONSIBLE),
    )
    return session.execute(
        select(
            Assignment.unit_id,
            func.count(),
            _count_if(Assignment.replied_at <= Assignment.reply_due_at),
        )
        .where(
            Assignment.role == LEAD,
            Assignment.reply_due_at.is_not(None),
            or_(_in(Assignment.replied_at, period), late_unreplied),
        )
        .group_by(Assignment.unit_id)
    ).all()


def _callbacks(session: Session, period: Period) -> Any:
    visits = _events_per_responsible_unit(
        "record_visit",
        period,
        TicketEvent.payload["resolved"].as_boolean().label("resolved"),
        TicketEvent.payload["satisfaction"].as_string().label("satisfaction"),
    )
    return session.execute(
        select(
            visits.c.unit_id,
            func.count(),
            _count_if(visits.c.resolved.is_(True)),
            _count_if(visits.c.satisfaction == "satisfied"),
            _count_if(visits.c.satisfaction == "basically_satisfied"),
            _count_if(visits.c.satisfaction == "unsatisfied"),
        ).group_by(visits.c.unit_id)
    ).all()


def _reopenings(session: Session, period: Period) -> Any:
    reopens = _events_per_responsible_unit("reopen", period)
    return session.execute(select(reopens.c.unit_id, func.count()).group_by(reopens.c.unit_id)).all()


def _returns(session: Session, period: Period) -> Any:
    unit = TicketEvent.payload["from_unit_id"].as_integer()
    return session.execute(
        select(unit, func.count())
        .where(TicketEvent.action == "return", _in(TicketEvent.created_at, period))
        .group_by(unit)
    ).all()


def _extensions(session: Session, period: Period) -> Any:
    return session.execute(
        select(Assignment.unit_id, func.count())
        .select_from(TicketEvent)
        .join(Assignment, Assignment.id == TicketEvent.payload["assignment_id"].as_integer())
        .where(
            TicketEvent.action == "decide_extension",
            TicketEvent.payload["approved"].as_boolean().is_(True),
            _in(TicketEvent.created_at, period),
        )
        .group_by(Assignment.unit_id)
    ).all()


def _upheld_appeals() -> Any:
    return (
        select(TicketEvent.ticket_id)
        .where(TicketEvent.action == "decide_appeal", TicketEvent.payload["upheld"].as_boolean().is_(True))
        .scalar_subquery()
    )


def _bad_ratings(session: Session, period: Period) -> Any:
    excluded = Ticket.id.in_(_upheld_appeals())
    counted = ~excluded
    rectified = and_(counted, Ticket.closed_at.is_not(None), Ticket.closed_at <= Assignment.reply_due_at)
    return session.execute(
        select(
            Assignment.unit_id,
            func.count(distinct(case((counted, Ticket.id)))),
            func.count(distinct(case((rectified, Ticket.id)))),
            func.count(distinct(case((excluded, Ticket.id)))),
        )
        .select_from(Ticket)
        .join(Assignment, Assignment.ticket_id == Ticket.id)
        .where(
            Ticket.channel.in_(BAD_RATING_CHANNELS),
            _in(Ticket.created_at, period),
            Assignment.role == LEAD,
            Assignment.status.not_in(NOT_RESPONSIBLE),
        )
        .group_by(Assignment.unit_id)
    ).all()


def exclusions(session: Session, period: Period) -> list[Exclusion]:
    rows = session.execute(
        select(
            Ticket.id,
            Ticket.number,
            OrgUnit.id,
            OrgUnit.name,
            TicketEvent.created_at,
            TicketEvent.payload["note"].as_string(),
        )
        .select_from(TicketEvent)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .join(Assignment, _responsible_join())
        .join(OrgUnit, OrgUnit.id == Assignment.unit_id)
        .where(
            Ticket.channel.in_(BAD_RATING_CHANNELS),
            _in(Ticket.created_at, period),
            TicketEvent.action == "decide_appeal",
            TicketEvent.payload["upheld"].as_boolean().is_(True),
        )
        .distinct()
        .order_by(TicketEvent.created_at, Ticket.id, OrgUnit.id)
    ).all()
    return [
        Exclusion(tid, number, uid, name, at.isoformat(), note or "")
        for tid, number, uid, name, at, note in rows
    ]


def assess(
    session: Session, period: Period, policy: Policy, as_of: datetime, units: list[int] | None = None
) -> Assessment:
    """Every unit's figures for the period, ranked by composite score; `units` limits the result
    (a leader's subtree) without changing anyone's figures."""
    weights = weights_of(policy)
    figures: dict[int, UnitFigures] = defaultdict(lambda: UnitFigures(0))

    def get(unit_id: int) -> UnitFigures:
        row = figures[unit_id]
        row.unit_id = unit_id
        return row

    for unit_id, total, in_time in _response(session, period, as_of):
        get(unit_id).sign_due, get(unit_id).signed_in_time = total, int(in_time or 0)
    for unit_id, total, in_time in _completion(session, period, as_of):
        get(unit_id).reply_due, get(unit_id).replied_in_time = total, int(in_time or 0)
    for unit_id, total, resolved, sat, basic, unsat in _callbacks(session, period):
        row = get(unit_id)
        row.callbacks, row.resolved = total, int(resolved or 0)
        row.satisfied, row.basically_satisfied, row.unsatisfied = (
            int(sat or 0),
            int(basic or 0),
            int(unsat or 0),
        )
    for unit_id, total in _returns(session, period):
        if unit_id is not None:
            get(int(unit_id)).returns = total
    for unit_id, total in _reopenings(session, period):
        get(unit_id).reopenings = total
    for unit_id, total in _extensions(session, period):
        get(unit_id).extensions = total
    for unit_id, counted, rectified, excluded in _bad_ratings(session, period):
        row = get(unit_id)
        row.bad_ratings, row.bad_ratings_rectified, row.bad_ratings_excluded = counted, rectified, excluded
    wanted = set(figures) if units is None else set(figures) & set(units)
    names = dict(session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(wanted))).all())
    result = [figures[u] for u in wanted]
    for row in result:
        row.unit_name = names.get(row.unit_id, str(row.unit_id))
        row.finish(weights)
    _rank(result)
    listed = [e for e in exclusions(session, period) if units is None or e.unit_id in set(units)]
    return Assessment(period.label, weights, result, listed)


def _rank(rows: list[UnitFigures]) -> None:
    """Monthly ranking: best composite first; equal scores share a rank; unscored units come last."""
    rows.sort(key=lambda r: (r.composite is None, -(r.composite or 0), r.unit_name))
    previous: tuple[float | None, int] = (None, 0)
    for position, row in enumerate(rows, start=1):
        if row.composite is None:
            continue
        rank = previous[1] if row.composite == previous[0] else position
        row.rank, previous = rank, (row.composite, rank)
