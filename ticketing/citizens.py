"""Finding the citizen behind a phone number, so every channel links to the same history."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.models import Citizen
from ticketing.phones import PhoneInfo


def find_or_create_citizen(session: Session, phone: PhoneInfo, name: str | None) -> Citizen:
    citizen = session.execute(select(Citizen).where(Citizen.phone_e164 == phone.e164)).scalar_one_or_none()
    if citizen is None:
        citizen = Citizen(phone_e164=phone.e164, name=name, region=phone.region, carrier=phone.carrier)
        session.add(citizen)
        session.flush()
    elif name and not citizen.name:
        citizen.name = name
    return citizen


def set_callback_opt_out(session: Session, phone: PhoneInfo, opt_out: bool) -> Citizen:
    """The citizen's wish not to be called back (回访) — kept on the citizen, so every ticket obeys it."""
    citizen = find_or_create_citizen(session, phone, None)
    citizen.callback_opt_out = opt_out
    return citizen
