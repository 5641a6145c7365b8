"""Who may see which ticket (DESIGN §11: a department sees only its tickets).

People at the city platform see every ticket. Anyone else sees the tickets their unit, or a unit
below theirs, holds or has (had) an assignment for: a district follows its streets' work, a street
its communities'. Confidential tickets are hidden from platform analysts.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, true, union
from sqlalchemy.orm import Session, aliased

from dispatch.models import Assignment
from dispatch.operators import Operator
from ticketing.models import OrgUnit, Ticket
from ticketing.vocabulary import Role


def subtree(session: Session, unit_id: int) -> list[int]:
    """The unit and every unit below it (the tree is four levels deep and a few thousand units wide)."""
    found, frontier = [unit_id], [unit_id]
    while frontier:
        frontier = list(session.execute(select(OrgUnit.id).where(OrgUnit.parent_id.in_(frontier))).scalars())
        found.extend(frontier)
    return found


def ticket_filter(session: Session, operator: Operator) -> ColumnElement[bool]:
    if operator.at_platform:
        if operator.role == Role.ANALYST.value:
            return Ticket.confidential.is_(False)
        return true()
    units = subtree(session, operator.unit_id)
    # One set of ids from two indexed lookups, rather than "holder in units OR an assignment exists":
    # PostgreSQL can use no index for that OR and reads every ticket (a second at 1M tickets, for a
    # street's list or search), where the union costs what the unit actually has.
    held = aliased(Ticket)
    return Ticket.id.in_(
        union(
            select(held.id).where(held.holder_unit_id.in_(units)),
            select(Assignment.ticket_id).where(Assignment.unit_id.in_(units)),
        )
    )


def can_see(session: Session, operator: Operator, ticket_id: int) -> bool:
    return (
        session.execute(
            select(Ticket.id).where(Ticket.id == ticket_id, ticket_filter(session, operator))
        ).first()
        is not None
    )
