"""The DTMF progress query: a ticket's status by its number (read-only; run off the SIP threads)."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import select

from ticketing.db import Database
from ticketing.models import Ticket


@lru_cache(maxsize=4)
def database(url: str) -> Database:
    return Database(url)  # one pool per worker process, reused by every query


def ticket_status(database_url: str, number: str) -> str | None:
    if not number.isdigit():
        return None
    with database(database_url).read_session() as session:
        return session.execute(select(Ticket.status).where(Ticket.number == number)).scalar_one_or_none()
