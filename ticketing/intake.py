"""The one intake service (DESIGN §4): the only way a ticket is born, whatever the channel.

`submit` normalises the caller's number, links the citizen's history, flags likely duplicates, draws a
ticket number and writes the ticket and its first event in one transaction. The same idempotency key
on the same channel always returns the same ticket, also when retries race each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ticketing.citizens import find_or_create_citizen
from ticketing.db import Database
from ticketing.duplicates import DuplicateCandidate, find_likely_duplicates
from ticketing.errors import Conflict, InvalidInput
from ticketing.models import Category, OrgUnit, Ticket, utcnow
from ticketing.numbering import next_ticket_number
from ticketing.phones import PhoneInfo, normalise_phone
from ticketing.reference_cache import ReferenceCache
from ticketing.submission import Submission, validate
from ticketing.ticket_actions import Actor, perform
from ticketing.vocabulary import OrgKind

# Races we retry: two first-time callers with one new number, two retries with one idempotency key.
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class IntakeResult:
    ticket_id: int
    number: str
    status: str
    created: bool  # False when the idempotency key returned an existing ticket
    phone: PhoneInfo | None
    duplicates: tuple[DuplicateCandidate, ...]


def submit(
    db: Database, submission: Submission, *, actor: Actor | None = None, now: datetime | None = None
) -> IntakeResult:
    """Validate, then write; InvalidInput is raised before anything is written."""
    clean = validate(submission)
    phone = normalise_phone(clean.contact_phone) if clean.contact_phone else None
    actor = actor or Actor(f"intake:{clean.channel}")
    for attempt in range(MAX_ATTEMPTS):
        try:
            with db.session() as session:
                return _submit_in(session, db.reference_cache, clean, phone, actor, now or utcnow())
        except IntegrityError:
            if attempt == MAX_ATTEMPTS - 1:
                raise
    raise Conflict("受理冲突，请重试", code="intake_conflict")  # pragma: no cover - loop always returns


def _existing(session: Session, sub: Submission) -> Ticket | None:
    if sub.idempotency_key is None:
        return None
    return session.execute(
        select(Ticket).where(Ticket.channel == sub.channel, Ticket.idempotency_key == sub.idempotency_key)
    ).scalar_one_or_none()


def _area_unit_id(session: Session, cache: ReferenceCache, code: str | None) -> int | None:
    if code is None:
        return None
    unit_id = cache.get(
        ("unit", code),
        lambda: session.execute(select(OrgUnit.id).where(OrgUnit.code == code)).scalar_one_or_none(),
    )
    if unit_id is None:
        raise InvalidInput(f"区域编码不存在：{code}", code="unknown_area", field="area_code")
    return unit_id


def _check_category(session: Session, cache: ReferenceCache, code: str | None) -> None:
    if code is None:
        return
    found = cache.get(
        ("category", code),
        lambda: session.execute(
            select(Category.code).where(Category.code == code, Category.active.is_(True))
        ).scalar_one_or_none(),
    )
    if found is None:
        raise InvalidInput(f"诉求分类不存在：{code}", code="unknown_category", field="category_code")


def _platform_unit_id(session: Session, cache: ReferenceCache) -> int | None:
    return cache.get(
        "platform",
        lambda: session.execute(
            select(OrgUnit.id)
            .where(OrgUnit.kind == OrgKind.CITY_PLATFORM.value)
            .order_by(OrgUnit.id)
            .limit(1)
        ).scalar_one_or_none(),
    )


def _submit_in(
    session: Session,
    cache: ReferenceCache,
    sub: Submission,
    phone: PhoneInfo | None,
    actor: Actor,
    now: datetime,
) -> IntakeResult:
    existing = _existing(session, sub)
    if existing is not None:
        return IntakeResult(existing.id, existing.number, existing.status, False, phone, ())
    _check_category(session, cache, sub.category_code)
    area_unit_id = _area_unit_id(session, cache, sub.area_code)
    citizen = find_or_create_citizen(session, phone, sub.contact_name) if phone else None
    duplicates = find_likely_duplicates(
        session,
        content=sub.content,
        citizen_id=citizen.id if citizen else None,
        area_unit_id=area_unit_id,
        address=sub.address,
        now=now,
    )
    payload = {
        "number": next_ticket_number(session, now),
        "channel": sub.channel,
        "idempotency_key": sub.idempotency_key,
        "ticket_type": sub.ticket_type,
        "grade": sub.grade,
        "category_code": sub.category_code,
        "title": sub.title,
        "content": sub.content,
        "transcript": sub.transcript,
        "citizen_id": citizen.id if citizen else None,
        "contact_name": sub.contact_name,
        "contact_phone": phone.e164 if phone else None,
        "address": sub.address,
        "area_unit_id": area_unit_id,
        "latitude": sub.latitude,
        "longitude": sub.longitude,
        "anonymous": sub.anonymous,
        "confidential": sub.confidential,
        "callback_requested": sub.callback_requested,
        "holder_unit_id": _platform_unit_id(session, cache),
        "suspected_duplicate_of_id": duplicates[0].ticket_id if duplicates else None,
        "extra": sub.extra,
        "duplicates": [
            {"ticket_id": d.ticket_id, "number": d.number, "score": d.score, "reason": d.reason}
            for d in duplicates
        ],
    }
    ticket = Ticket()
    perform(session, ticket, "create_draft" if sub.draft else "register", actor, payload, now=now)
    return IntakeResult(ticket.id, ticket.number, ticket.status, True, phone, tuple(duplicates))
