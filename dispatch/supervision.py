"""The supervision sweep (督办): run every minute by the RQ scheduler.

It adopts newly registered tickets (their dispatch clock), then reads only the assignments whose
`next_alarm_at` has come (an indexed column, so the cost does not grow with the number of open
assignments) and issues their cards:
- yellow (预警) when the warning share is used or a working day is left;
- red (超时) when overdue, with a 催办 to the unit; for 紧急/加急 work also a 督办单 and an
  escalation to the unit above.
Every notice is unique per assignment, stage and kind, and everything is read from and written to
the database, so a sweep that runs twice, or after a restart or a flushed Redis, issues nothing twice
and misses nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from dispatch.alarms import schedule_next_alarm
from dispatch.context import Context, dispatch_context
from dispatch.graded_dispatch import adopt_new_tickets
from dispatch.models import Assignment, SupervisionNotice
from ticketing.db import Database
from ticketing.errors import HotlineError
from ticketing.models import OrgUnit, Ticket
from ticketing.ticket_actions import Actor, load_for_update, perform

log = logging.getLogger(__name__)
SWEEPER = Actor("督办巡检")
BATCH = 500
MAX_BATCHES = 1000  # a guard: every firing moves an alarm forward or clears it
SUPERVISED_GRADES = ("urgent", "important")


@dataclass
class SweepReport:
    adopted: int = 0
    fired: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str) -> None:
        self.fired[kind] = self.fired.get(kind, 0) + 1


def _notice(ctx: Context, a: Assignment, kind: str, stage: str, due: datetime, unit_id: int) -> bool:
    """Insert a notice unless it exists (one atomic statement, safe with concurrent sweeps); True when new."""
    insert = postgresql.insert if ctx.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = SupervisionNotice.__table__
    created = ctx.session.execute(
        insert(table)
        .values(
            assignment_id=a.id,
            ticket_id=a.ticket_id,
            unit_id=unit_id,
            kind=kind,
            stage=stage,
            due_at=due,
            created_at=ctx.now,
        )
        .on_conflict_do_nothing(index_elements=[table.c.assignment_id, table.c.stage, table.c.kind])
        .returning(table.c.id)
    ).first()
    return created is not None


def _fire(ctx: Context, a: Assignment, report: SweepReport) -> None:
    kind, stage, due = a.next_alarm_kind, a.next_alarm_stage, a.next_alarm_at
    assert kind and stage and due
    deadline = {"dispatch": a.dispatch_due_at, "sign": a.sign_due_at, "reply": a.reply_due_at}[stage] or due
    ticket = load_for_update(ctx.session, a.ticket_id)
    base = {"assignment_id": a.id, "unit_id": a.unit_id, "stage": stage, "due_at": deadline.isoformat()}
    if _notice(ctx, a, kind, stage, deadline, a.unit_id):
        perform(ctx.session, ticket, "warn", SWEEPER, {**base, "level": kind}, now=ctx.now)
        report.count(kind)
    if kind == "red":
        if _notice(ctx, a, "urge", stage, deadline, a.unit_id):
            perform(ctx.session, ticket, "urge", SWEEPER, base, now=ctx.now)
            report.count("urge")
        if a.grade in SUPERVISED_GRADES and _notice(ctx, a, "order", stage, deadline, a.unit_id):
            perform(ctx.session, ticket, "supervise", SWEEPER, {**base, "order": True}, now=ctx.now)
            report.count("order")
            above = _unit_above(ctx, a)
            if above is not None and _notice(ctx, a, "escalation", stage, deadline, above):
                perform(
                    ctx.session, ticket, "urge", SWEEPER, {**base, "escalated_to_unit_id": above}, now=ctx.now
                )
                report.count("escalation")
    schedule_next_alarm(ctx, a)


def _fire_safely(ctx: Context, a: Assignment, report: SweepReport) -> None:
    """One bad assignment must not stop the sweep for everyone else, nor come back every minute."""
    try:
        with ctx.session.begin_nested():
            _fire(ctx, a, report)
    except HotlineError as error:
        log.warning("supervision of assignment %d skipped: %s", a.id, error.message)
        a.next_alarm_at = a.next_alarm_kind = a.next_alarm_stage = None


def _unit_above(ctx: Context, a: Assignment) -> int | None:
    if a.dispatched_by_unit_id != a.unit_id:
        return a.dispatched_by_unit_id
    unit = ctx.session.get(OrgUnit, a.unit_id)
    return unit.parent_id if unit else None


def sweep(db: Database, now: datetime | None = None) -> SweepReport:
    report = SweepReport()
    with dispatch_context(db, now) as ctx:
        report.adopted = adopt_new_tickets(ctx)
    # Until nothing is due: after downtime one assignment may owe both its yellow and its red card.
    for _ in range(MAX_BATCHES):
        with dispatch_context(db, now) as ctx:
            due = (
                ctx.session.execute(
                    select(Assignment)
                    .where(Assignment.next_alarm_at <= ctx.now)
                    .order_by(Assignment.next_alarm_at)
                    .limit(BATCH)
                    .with_for_update(skip_locked=True)
                )
                .scalars()
                .all()
            )
            for assignment in due:
                _fire_safely(ctx, assignment, report)
        if not due:
            break
    return report


def open_notices(db: Database, unit_id: int | None = None) -> list[tuple[SupervisionNotice, Ticket]]:
    """The supervisor board: unresolved notices, newest first, optionally for one unit."""
    with db.read_session() as session:
        query = (
            select(SupervisionNotice, Ticket)
            .join(Ticket, Ticket.id == SupervisionNotice.ticket_id)
            .where(SupervisionNotice.resolved_at.is_(None))
            .order_by(SupervisionNotice.created_at.desc())
        )
        if unit_id is not None:
            query = query.where(SupervisionNotice.unit_id == unit_id)
        return [(n, t) for n, t in session.execute(query).all()]
