"""Human ticket numbers: the local date and a per-day sequence, e.g. 20261123000042.

The counter row is bumped with an atomic upsert inside the intake transaction: PostgreSQL locks the
row until commit and SQLite serialises writers, so two intakes never draw the same number and a
rolled-back intake gives its number back.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ticketing.models import TicketNumberCounter

LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
SEQUENCE_DIGITS = 6


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(LOCAL_ZONE).date()


def next_ticket_number(session: Session, moment: dt.datetime) -> str:
    day = local_day(moment)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = TicketNumberCounter.__table__
    statement = (
        insert(table)
        .values(day=day, last_value=1)
        .on_conflict_do_update(index_elements=[table.c.day], set_={"last_value": table.c.last_value + 1})
        .returning(table.c.last_value)
    )
    value = session.execute(statement).scalar_one()
    return f"{day:%Y%m%d}{value:0{SEQUENCE_DIGITS}d}"
