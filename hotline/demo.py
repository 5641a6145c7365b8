"""The demo city, composed from the packages that own its parts: reference data (ticketing), the
dispatch catalogue and a handled ticket history (dispatch)."""

from __future__ import annotations

from dispatch.demo_history import seed_history
from dispatch.demo_rules import seed_rules
from ticketing.db import Database
from ticketing.demo.seed import is_empty, seed_reference
from ticketing.phone_accounts import PHONE_ROLES, set_phone_password

DEFAULT_TICKETS = 2000
DEFAULT_SEED = 12345


def seed_demo_if_empty(
    db: Database, *, tickets: int = DEFAULT_TICKETS, seed: int = DEFAULT_SEED
) -> list[tuple[str, str, str]]:
    """Returns the demo users' credentials; returns [] and touches nothing when the database has data."""
    if not is_empty(db):
        return []
    credentials = seed_reference(db)
    with db.session() as session:
        seed_rules(session)
    seed_history(db, tickets=tickets, seed=seed)
    return credentials


def seed_demo_phones(
    db: Database, credentials: list[tuple[str, str, str]], realm: str
) -> list[tuple[str, str, str]]:
    """Phone accounts for the demo's agents and leaders, so a softphone can register and take calls;
    returns (username, "话机 SIP (realm)", phone password) to print once."""
    with db.session() as session:
        return [
            (username, f"话机 SIP ({realm})", set_phone_password(session, username, realm))
            for username, role, _ in credentials
            if role in PHONE_ROLES
        ]
