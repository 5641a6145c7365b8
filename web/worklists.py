"""What a unit has to do now: the dispatcher's queue, the department's inbox and the supervisor's board.

Plain queries returning JSON-ready dicts, shared by the API (`web/worklists_api.py`) and the
server-rendered consoles, so a page shows exactly what an integrator reads.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.alarms import AWAITING_DISPATCH, PENDING, REPLIED, SIGNED
from dispatch.assignments import HELPER, LEAD, PLATFORM
from dispatch.models import Assignment, ExtensionRequest, SupervisionNotice
from dispatch.operators import Operator
from dispatch.visibility import subtree, ticket_filter
from ticketing.models import OrgUnit, Ticket, TicketEvent
from ticketing.vocabulary import OrgKind, TicketStatus
from web.serialize import assignment_json, iso, ticket_summary

LIMIT = 200
CARD_RANK = {"red": 2, "yellow": 1}
NOTICE_LABELS = {
    "yellow": "黄牌预警",
    "red": "红牌超时",
    "order": "督办单",
    "urge": "催办",
    "escalation": "升级督办",
}
STAGE_LABELS = {"dispatch": "派单", "sign": "签收", "reply": "答复"}
ASSIGNMENT_STATUS_LABELS = {
    "awaiting_dispatch": "待派单",
    "pending": "待签收",
    "signed": "办理中",
    "forwarded": "已转派",
    "replied": "已回复",
    "accepted": "已审核",
    "returned": "已退回",
    "dispatched": "已派出",
    "closed": "已办结",
}


def unit_names(session: Session, unit_ids: set[int]) -> dict[int, str]:
    if not unit_ids:
        return {}
    rows = session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(unit_ids))).all()
    return dict(rows)


def _cards(session: Session, assignment_ids: list[int]) -> dict[int, str]:
    """The most severe open card (red over yellow) of each assignment."""
    found: dict[int, str] = {}
    if not assignment_ids:
        return found
    rows = session.execute(
        select(SupervisionNotice.assignment_id, SupervisionNotice.kind).where(
            SupervisionNotice.assignment_id.in_(assignment_ids),
            SupervisionNotice.resolved_at.is_(None),
            SupervisionNotice.kind.in_(tuple(CARD_RANK)),
        )
    ).all()
    for assignment_id, kind in rows:
        if CARD_RANK[kind] > CARD_RANK.get(found.get(assignment_id, ""), 0):
            found[assignment_id] = kind
    return found


def _row(ticket: Ticket, assignment: Assignment | None, operator: Operator, task: str) -> dict[str, Any]:
    body = assignment_json(assignment) if assignment else None
    if body is not None:
        body["status_label"] = ASSIGNMENT_STATUS_LABELS.get(body["status"], body["status"])
    return {"task": task, "ticket": ticket_summary(ticket, operator), "assignment": body, "card": None}


def _due(row: dict[str, Any]) -> str:
    a = row["assignment"] or {}
    return a.get("dispatch_due_at") or a.get("sign_due_at") or a.get("reply_due_at") or "9999"


def _finish(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cards = _cards(session, [r["assignment"]["id"] for r in rows if r["assignment"]])
    ids = {r["ticket"]["holder_unit_id"] for r in rows} | {
        r["assignment"]["unit_id"] for r in rows if r["assignment"]
    }
    names = unit_names(session, {i for i in ids if i})
    for r in rows:
        if r["assignment"]:
            r["card"] = cards.get(r["assignment"]["id"])
            r["assignment"]["unit_name"] = names.get(r["assignment"]["unit_id"])
        r["ticket"]["holder_unit_name"] = names.get(r["ticket"]["holder_unit_id"])
    # Red first, then yellow, then by the deadline that runs.
    return sorted(rows, key=lambda r: (-CARD_RANK.get(r["card"] or "", 0), _due(r)))


def _platform_scope(session: Session, operator: Operator) -> list[Any]:
    """The lists below are the caller's own unit's (or subtree's) work, which a unit may see anyway;
    at the platform they would be every ticket, so the platform's own rule applies (an analyst sees
    no confidential ticket there, as in the ticket list and on the ticket page)."""
    return [ticket_filter(session, operator)] if operator.at_platform else []


def dispatch_queue(session: Session, operator: Operator) -> list[dict[str, Any]]:
    """Tickets the unit must dispatch (or sign first); replies and extension requests from below
    awaiting its decision."""
    unit = operator.unit_id
    scope = _platform_scope(session, operator)
    rows: list[dict[str, Any]] = []
    own = session.execute(
        select(Assignment, Ticket)
        .join(Ticket, Ticket.id == Assignment.ticket_id)
        .where(
            Assignment.unit_id == unit,
            Assignment.role.in_((PLATFORM, LEAD)),
            Assignment.status.in_((AWAITING_DISPATCH, PENDING, SIGNED)),
            *scope,
        )
        .limit(LIMIT)
    ).all()
    seen = set()
    for assignment, ticket in own:
        seen.add(ticket.id)
        rows.append(
            _row(ticket, assignment, operator, "sign" if assignment.status == PENDING else "dispatch")
        )
    # New tickets the sweep has not adopted yet (no platform assignment so far) still need dispatching.
    held = session.execute(
        select(Ticket)
        .where(Ticket.holder_unit_id == unit, Ticket.status == TicketStatus.REGISTERED.value, *scope)
        .order_by(Ticket.created_at)
        .limit(LIMIT)
    ).scalars()
    rows.extend(_row(t, None, operator, "dispatch") for t in held if t.id not in seen)
    to_dispatch = [r["ticket"]["id"] for r in rows if r["task"] == "dispatch"]
    returned = _unanswered(session, to_dispatch, "return", "dispatch")
    for r in rows:
        r["returned"] = returned.get(r["ticket"]["id"]) if r["task"] == "dispatch" else None
    review = session.execute(
        select(Assignment, Ticket)
        .join(Ticket, Ticket.id == Assignment.ticket_id)
        .where(
            Assignment.dispatched_by_unit_id == unit,
            Assignment.unit_id != unit,
            Assignment.role == LEAD,
            Assignment.status == REPLIED,
            Ticket.status == TicketStatus.REPLIED.value,
            *scope,
        )
        .limit(LIMIT)
    ).all()
    rows.extend(_row(t, a, operator, "review") for a, t in review)
    extensions = session.execute(
        select(ExtensionRequest, Assignment, Ticket)
        .join(Assignment, Assignment.id == ExtensionRequest.assignment_id)
        .join(Ticket, Ticket.id == Assignment.ticket_id)
        .where(Assignment.dispatched_by_unit_id == unit, ExtensionRequest.status == "pending", *scope)
        .limit(LIMIT)
    ).all()
    for request, assignment, ticket in extensions:
        row = _row(ticket, assignment, operator, "extension")
        row["extension"] = {"id": request.id, "working_days": request.working_days, "reason": request.reason}
        rows.append(row)
    return _finish(session, rows)


def inbox(session: Session, operator: Operator) -> list[dict[str, Any]]:
    """The unit's open lead and helper assignments: to sign, then to answer."""
    found = session.execute(
        select(Assignment, Ticket)
        .join(Ticket, Ticket.id == Assignment.ticket_id)
        .where(
            Assignment.unit_id == operator.unit_id,
            Assignment.role.in_((LEAD, HELPER)),
            Assignment.status.in_((PENDING, SIGNED)),
            *_platform_scope(session, operator),
        )
        .limit(LIMIT)
    ).all()
    rows = [_row(t, a, operator, "sign" if a.status == PENDING else "reply") for a, t in found]
    replying = [r["ticket"]["id"] for r in rows if r["task"] == "reply"]
    sent_back = _unanswered(session, replying, "reject_reply", "reply")
    for r in rows:
        r["sent_back"] = sent_back.get(r["ticket"]["id"]) if r["task"] == "reply" else None
    return _finish(session, rows)


def _unanswered(
    session: Session, ticket_ids: list[int], action: str, answer: str
) -> dict[int, dict[str, Any]]:
    """Per ticket, the payload and time of its latest `action` event unless an `answer` event came
    after it: why a reply was sent back (退回重办) or why a unit returned the ticket (退单)."""
    found: dict[int, dict[str, Any]] = {}
    if not ticket_ids:
        return found
    events = session.execute(
        select(TicketEvent)
        .where(TicketEvent.ticket_id.in_(ticket_ids), TicketEvent.action.in_((action, answer)))
        .order_by(TicketEvent.ticket_id, TicketEvent.seq)
    ).scalars()
    for event in events:
        if event.action == action:
            found[event.ticket_id] = {**event.payload, "at": iso(event.created_at)}
        else:
            found.pop(event.ticket_id, None)
    return found


def child_units(session: Session, operator: Operator) -> list[dict[str, Any]]:
    rows = session.execute(
        select(OrgUnit)
        .where(OrgUnit.parent_id == operator.unit_id, OrgUnit.active.is_(True))
        .order_by(OrgUnit.code)
    ).scalars()
    return [{"id": u.id, "code": u.code, "name": u.name, "kind_label": OrgKind(u.kind).label} for u in rows]


def supervision_board(session: Session, operator: Operator) -> list[dict[str, Any]]:
    """Open notices grouped per assignment: one card per late piece of work, with its 督办/催办 marks."""
    query = (
        select(SupervisionNotice, Ticket)
        .join(Ticket, Ticket.id == SupervisionNotice.ticket_id)
        .where(SupervisionNotice.resolved_at.is_(None))
        .order_by(SupervisionNotice.created_at.desc())
        .limit(LIMIT * 5)
    )
    if operator.at_platform:
        query = query.where(*_platform_scope(session, operator))
    else:
        query = query.where(SupervisionNotice.unit_id.in_(subtree(session, operator.unit_id)))
    cards: dict[int, dict[str, Any]] = {}
    for notice, ticket in session.execute(query).all():
        card = cards.setdefault(
            notice.assignment_id,
            {
                "assignment_id": notice.assignment_id,
                "ticket": ticket_summary(ticket, operator),
                "unit_id": notice.unit_id,
                "stage": notice.stage,
                "stage_label": STAGE_LABELS.get(notice.stage, notice.stage),
                "due_at": iso(notice.due_at),
                "level": None,
                "marks": [],
                "first_at": iso(notice.created_at),
            },
        )
        if notice.kind in CARD_RANK:
            if CARD_RANK[notice.kind] > CARD_RANK.get(card["level"] or "", 0):
                card["level"] = notice.kind
        else:
            card["marks"].append(NOTICE_LABELS[notice.kind])
    names = unit_names(session, {c["unit_id"] for c in cards.values()})
    for card in cards.values():
        card["unit_name"] = names.get(card["unit_id"])
        card["level_label"] = NOTICE_LABELS.get(card["level"] or "", "")
    return sorted(cards.values(), key=lambda c: (-CARD_RANK.get(c["level"] or "", 0), c["due_at"] or ""))
