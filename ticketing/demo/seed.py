"""`hotline demo seed`: the whole demo city, into an empty database only."""

from __future__ import annotations

from sqlalchemy import select

from ticketing.db import Database
from ticketing.demo.history_seed import seed_history
from ticketing.demo.reference_seed import seed_catalogue, seed_knowledge, seed_org_tree, seed_users
from ticketing.models import OrgUnit

DEFAULT_TICKETS = 2000
DEFAULT_SEED = 12345


def is_empty(db: Database) -> bool:
    with db.read_session() as session:
        return session.execute(select(OrgUnit.id).limit(1)).first() is None


def seed_if_empty(
    db: Database, *, tickets: int = DEFAULT_TICKETS, seed: int = DEFAULT_SEED
) -> list[tuple[str, str, str]]:
    """Seeds and returns the demo users' credentials; returns [] and touches nothing if not empty."""
    if not is_empty(db):
        return []
    with db.session() as session:
        org = seed_org_tree(session)
        seed_catalogue(session)
        seed_knowledge(session, org)
        credentials = seed_users(session)
    seed_history(db, org, tickets=tickets, seed=seed)
    return credentials
