"""What citizens may see of tickets (DESIGN §10), as plain dicts for the public pages and API.

- The public list: category, district, status, dates and the published reply. No names, phone
  numbers, addresses or request text; confidential tickets and unaccepted drafts never appear.
- A progress look-up by ticket number + the last 4 digits of the contact phone. A wrong pair and a
  missing ticket give the same answer (None), from the same single query, so nobody can probe
  which numbers exist.

Synchronous: callers run these in a worker thread.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from dispatch.visibility import subtree
from ticketing.errors import InvalidInput
from ticketing.models import Category, OrgUnit, Ticket, TicketEvent
from ticketing.vocabulary import OrgKind, TicketStatus, TicketType
from web.open311_requests import CLOSED, HIDDEN, published_answers, scrub
from web.serialize import iso

NUMBER = re.compile(r"\d{14}")  # YYYYMMDD + 6-digit daily sequence
LAST4 = re.compile(r"\d{4}")
MAX_PER_PAGE = 50
MAX_PAGE = 100  # the public list is for recent tickets, not for walking the whole archive
# Milestones a citizen is shown, in the words of the public timeline; internal steps stay internal.
MILESTONES = {
    "register": "诉求已受理",
    "close_directly": "已答复办结",
    "dispatch": "已转交承办单位办理",
    "sign": "承办单位已签收",
    "reply": "承办单位已答复",
    "reject_reply": "答复未通过审核，重新办理",
    "close": "已办结",
    "record_visit": "已回访",
    "reopen": "重新办理",
    "merge": "与相同诉求合并办理",
    "cancel": "已撤销",
    "transfer_emergency": "已转应急部门处置",
    "archive": "已归档",
}
HOUSE_NUMBER = re.compile(r"\d+(?:[-—]\d+)*(?=\s*(?:号楼|号院|号|栋|幢|单元|室|弄|巷))")
UNIT_NUMBER = re.compile(r"(?<![\d-])\d{1,4}(?:-\d{1,4}){1,3}(?![\d-])")  # 3-2-501
FORM_OF_ADDRESS = re.compile(r"[\u4e00-\u9fff](?=(?:先生|女士|小姐|师傅|阿姨|大爷|老师))")
DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


def public_text(text: str | None) -> str | None:
    """Text written by staff, made fit to publish: no phone or ID numbers, house or flat numbers, or
    surnames in forms of address (王先生 -> *先生)."""
    text = scrub(text)
    if not text:
        return text
    text = HOUSE_NUMBER.sub("*", text)
    text = UNIT_NUMBER.sub(lambda m: m.group() if DATE.fullmatch(m.group()) else "*", text)
    return FORM_OF_ADDRESS.sub("*", text)


def _visible() -> list[ColumnElement[bool]]:
    return [Ticket.confidential.is_(False), Ticket.status.not_in(sorted(HIDDEN))]


def _units_up(session: Session, unit_ids: set[int]) -> dict[int, OrgUnit]:
    """The units and all their ancestors (the tree is four levels deep: at most four queries)."""
    known: dict[int, OrgUnit] = {}
    wanted = {u for u in unit_ids if u is not None}
    while wanted:
        rows = session.execute(select(OrgUnit).where(OrgUnit.id.in_(wanted))).scalars()
        known.update({u.id: u for u in rows})
        wanted = {u.parent_id for u in known.values() if u.parent_id and u.parent_id not in known}
    return known


def _district_of(units: dict[int, OrgUnit], unit_id: int | None) -> str | None:
    while unit_id is not None and unit_id in units:
        unit = units[unit_id]
        if unit.kind == OrgKind.DISTRICT.value:
            return unit.name
        unit_id = unit.parent_id
    return None


def _category_names(session: Session, codes: set[str | None]) -> dict[str, str]:
    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    return dict(session.execute(select(Category.code, Category.name).where(Category.code.in_(wanted))).all())


def _public_status(status: str) -> str:
    return "closed" if status in CLOSED else "open"


def _card(ticket: Ticket, units: dict[int, OrgUnit], categories: dict[str, str], reply: str | None) -> dict:
    return {
        "number": ticket.number,
        "type_label": TicketType(ticket.ticket_type).label,
        "category": categories.get(ticket.category_code or ""),
        "district": _district_of(units, ticket.area_unit_id) or _district_of(units, ticket.holder_unit_id),
        "status": _public_status(ticket.status),
        "status_label": TicketStatus(ticket.status).label,
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "closed_at": iso(ticket.closed_at),
        "reply": public_text(reply) if ticket.status in CLOSED else None,
    }


def is_public(ticket: Ticket) -> bool:
    return not ticket.confidential and ticket.status not in HIDDEN


def public_cards(session: Session, tickets: list[Ticket]) -> list[dict[str, Any]]:
    """The citizens' view of each ticket (callers pass only tickets that pass `is_public`)."""
    units = _units_up(session, {t.area_unit_id for t in tickets} | {t.holder_unit_id for t in tickets})
    categories = _category_names(session, {t.category_code for t in tickets})
    answers = published_answers(session, [t.id for t in tickets if t.status in CLOSED])
    return [_card(t, units, categories, answers.get(t.id)) for t in tickets]


@dataclass(frozen=True)
class ListQuery:
    page: int = 1
    per_page: int = 20
    status: str | None = None  # "open" | "closed"
    district: str | None = None  # a district's unit code


def public_list(session: Session, query: ListQuery) -> dict[str, Any]:
    conditions = _visible()
    if query.status == "closed":
        conditions.append(Ticket.status.in_(sorted(CLOSED)))
    elif query.status == "open":
        conditions.append(Ticket.status.not_in(sorted(CLOSED)))
    if query.district:
        district = session.execute(
            select(OrgUnit.id).where(OrgUnit.code == query.district, OrgUnit.kind == OrgKind.DISTRICT.value)
        ).scalar_one_or_none()
        if district is None:
            message = f"区县编码不存在：{query.district[:20]}"
            raise InvalidInput(message, code="unknown_district", field="district")
        units = subtree(session, district)
        conditions.append(or_(Ticket.area_unit_id.in_(units), Ticket.holder_unit_id.in_(units)))
    rows = list(
        session.execute(
            select(Ticket)
            .where(*conditions)
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
            .offset((query.page - 1) * query.per_page)
            .limit(query.per_page + 1)  # one more tells whether a next page exists, without COUNT(*)
        ).scalars()
    )
    tickets = rows[: query.per_page]
    steps = timelines(session, [t.id for t in tickets])
    cards = public_cards(session, tickets)
    return {
        "items": [{**card, "timeline": steps[t.id]} for t, card in zip(tickets, cards, strict=True)],
        "page": query.page,
        "per_page": query.per_page,
        "has_more": len(rows) > query.per_page,
    }


# Open data: tickets answered and closed (办结), by the month they closed in.
FINISHED = (TicketStatus.CLOSED.value, TicketStatus.VISITED.value, TicketStatus.ARCHIVED.value)
OpenDataKey = tuple[datetime, int]  # (closed_at, id) of the last row sent: where the next batch starts


def open_data_batch(
    session: Session, start: datetime, end: datetime, after: OpenDataKey | None, limit: int
) -> tuple[list[dict[str, Any]], OpenDataKey | None]:
    """One keyset-paged batch of the month's closed, non-confidential tickets as public cards with
    their timelines; the key to pass for the next batch (None when this was the last)."""
    conditions = [
        *_visible(),
        Ticket.status.in_(FINISHED),
        Ticket.closed_at >= start,
        Ticket.closed_at < end,
    ]
    if after is not None:
        # Spelled out, not a row-value comparison: each bound value then takes its column's type
        # (SQLite stores naive UTC text, which an untyped aware datetime would not compare with).
        closed_at, ticket_id = after
        conditions.append(
            or_(Ticket.closed_at > closed_at, and_(Ticket.closed_at == closed_at, Ticket.id > ticket_id))
        )
    tickets = list(
        session.execute(
            select(Ticket).where(*conditions).order_by(Ticket.closed_at, Ticket.id).limit(limit)
        ).scalars()
    )
    ids = [t.id for t in tickets]
    units = _units_up(session, {t.area_unit_id for t in tickets} | {t.holder_unit_id for t in tickets})
    categories = _category_names(session, {t.category_code for t in tickets})
    answers, steps = published_answers(session, ids), timelines(session, ids)
    cards = [{**_card(t, units, categories, answers.get(t.id)), "timeline": steps[t.id]} for t in tickets]
    last = tickets[-1] if len(tickets) == limit else None
    return cards, (None if last is None or last.closed_at is None else (last.closed_at, last.id))


def districts(session: Session) -> list[dict[str, str]]:
    rows = session.execute(
        select(OrgUnit.code, OrgUnit.name)
        .where(OrgUnit.kind == OrgKind.DISTRICT.value, OrgUnit.active.is_(True))
        .order_by(OrgUnit.code)
    )
    return [{"code": code, "name": name} for code, name in rows]


def check_lookup(number: str, last4: str) -> tuple[str, str]:
    """Well-formed input or InvalidInput (a format check says nothing about which tickets exist)."""
    number, last4 = number.strip(), last4.strip()
    if not NUMBER.fullmatch(number):
        raise InvalidInput("工单编号应为 14 位数字", code="invalid_ticket_number", field="number")
    if not LAST4.fullmatch(last4):
        raise InvalidInput("请填写联系电话的后 4 位数字", code="invalid_phone_last4", field="phone_last4")
    return number, last4


def timelines(session: Session, ticket_ids: list[int]) -> dict[int, list[dict[str, str | None]]]:
    """Each ticket's public milestones, oldest first, from one query for the whole page."""
    found: dict[int, list[dict[str, str | None]]] = {t: [] for t in ticket_ids}
    if not ticket_ids:
        return found
    events = session.execute(
        select(TicketEvent.ticket_id, TicketEvent.action, TicketEvent.created_at)
        .where(TicketEvent.ticket_id.in_(ticket_ids), TicketEvent.action.in_(sorted(MILESTONES)))
        .order_by(TicketEvent.ticket_id, TicketEvent.seq)
    ).all()
    for ticket_id, action, at in events:
        timeline, label = found[ticket_id], MILESTONES[action]
        if timeline and timeline[-1]["label"] == label:  # dispatch down three levels is one step to a citizen
            continue
        timeline.append({"label": label, "at": iso(at)})
    return found


def lookup(session: Session, number: str, last4: str) -> dict[str, Any] | None:
    """The citizen's view of their ticket, or None when the number and the phone do not match."""
    ticket = session.execute(select(Ticket).where(Ticket.number == number)).scalar_one_or_none()
    phone = (ticket.contact_phone or "") if ticket is not None else ""
    matches = hmac.compare_digest(phone[-4:].encode(), last4.encode()) and len(phone) >= 4
    if ticket is None or not matches or ticket.status in HIDDEN:
        return None
    units = _units_up(session, {ticket.area_unit_id, ticket.holder_unit_id})
    categories = _category_names(session, {ticket.category_code})
    reply = published_answers(session, [ticket.id]).get(ticket.id) if ticket.status in CLOSED else None
    card = _card(ticket, units, categories, reply)
    if ticket.confidential:  # 保密件: the owner learns the progress; the answer comes by phone
        card["reply"] = None
    holder = units.get(ticket.holder_unit_id) if ticket.holder_unit_id else None
    return {
        **card,
        "confidential": ticket.confidential,
        "handling_unit": holder.name if holder is not None else None,
        "timeline": timelines(session, [ticket.id])[ticket.id],
    }
