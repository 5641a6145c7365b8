"""The demo city's reference data (org tree, catalogue, knowledge base, users), into an empty database
only. Its ticket history is handled through the dispatch workflow: see dispatch.demo_history."""

from __future__ import annotations

from sqlalchemy import select

from ticketing.db import Database
from ticketing.demo.reference_seed import seed_catalogue, seed_knowledge, seed_org_tree, seed_users
from ticketing.models import OrgUnit


def is_empty(db: Database) -> bool:
    with db.read_session() as session:
        return session.execute(select(OrgUnit.id).limit(1)).first() is None


def seed_reference(db: Database) -> list[tuple[str, str, str]]:
    """Seeds the reference data; returns the demo users' (username, role, password) to print once."""
    with db.session() as session:
        org = seed_org_tree(session)
        seed_catalogue(session)
        seed_knowledge(session, org)
        return seed_users(session)
