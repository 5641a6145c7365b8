"""A four-level city with one user per desk, and the working-day calendar for 2025–2026."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from dispatch.calendar_store import seed_calendar_days
from dispatch.operators import Operator, operator_for
from ticketing.db import Database
from ticketing.models import OrgUnit, User
from ticketing.passwords import hash_password
from ticketing.vocabulary import ORG_LEVEL, OrgKind


@dataclass(frozen=True)
class City:
    platform: int
    district: int
    street: int
    other_street: int
    community: int
    department: int
    users: dict[str, int]

    def op(self, db: Database, name: str) -> Operator:
        with db.read_session() as session:
            return operator_for(session, self.users[name])


UNITS = [
    ("CITY", "云州市12345热线", OrgKind.CITY_PLATFORM, None),
    ("D01", "云溪区", OrgKind.DISTRICT, "CITY"),
    ("C01", "市城市管理局", OrgKind.CITY_DEPARTMENT, "CITY"),
    ("D01S01", "青石街道", OrgKind.STREET, "D01"),
    ("D01S02", "白沙街道", OrgKind.STREET, "D01"),
    ("D01S01C01", "柳湾社区", OrgKind.COMMUNITY, "D01S01"),
]
PASSWORD = "password-123"
AGENT_PHONE = "sip:agent@127.0.0.1:5099"  # the city agent's desk phone: going ready needs one
PASSWORD_HASH = hash_password(PASSWORD)  # once: argon2 is slow on purpose
USERS = [
    ("city", "dispatcher", "CITY"),
    ("agent", "agent", "CITY"),
    ("district", "dispatcher", "D01"),
    ("street", "dispatcher", "D01S01"),
    ("other_street", "handler", "D01S02"),
    ("community", "handler", "D01S01C01"),
    ("department", "handler", "C01"),
]


def build_city(db: Database) -> City:
    with db.session() as session:
        units: dict[str, OrgUnit] = {}
        for code, name, kind, parent in UNITS:
            units[code] = OrgUnit(
                code=code,
                name=name,
                kind=kind.value,
                level=ORG_LEVEL[kind],
                parent=units.get(parent) if parent else None,
            )
            session.add(units[code])
        session.flush()
        seed_calendar_days(session, range(2025, 2027))
        rows = {
            name: User(
                username=name,
                display_name=name,
                password_hash=PASSWORD_HASH,
                role=role,
                unit_id=units[unit].id,
                sip_uri=AGENT_PHONE if role == "agent" else None,
            )
            for name, role, unit in USERS
        }
        session.add_all(rows.values())
        session.flush()
        users = {name: row.id for name, row in rows.items()}
        ids = {code: unit.id for code, unit in units.items()}
    return City(ids["CITY"], ids["D01"], ids["D01S01"], ids["D01S02"], ids["D01S01C01"], ids["C01"], users)


def add_user(
    db: Database, username: str, role: str, unit_id: int, display_name: str = "", sip_uri: str | None = None
) -> int:
    """One more account (password PASSWORD) beside the city's desks."""
    with db.session() as session:
        user = User(
            username=username,
            display_name=display_name or username,
            password_hash=PASSWORD_HASH,
            role=role,
            unit_id=unit_id,
            sip_uri=sip_uri,
        )
        session.add(user)
        session.flush()
        return user.id


def add_admin(db: Database, unit_id: int, username: str = "admin") -> int:
    """An admin at `unit_id` (the platform), password PASSWORD."""
    return add_user(db, username, "admin", unit_id, display_name="管理员")


@pytest.fixture
def city(db) -> City:
    return build_city(db)
