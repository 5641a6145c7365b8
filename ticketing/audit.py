"""Recording configuration changes (DESIGN §11: an audit trail), and reading them back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ticketing.models import AuditEntry, utcnow
from ticketing.ticket_actions import Actor


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: str | int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEntry:
    """Add one entry to the caller's transaction: it commits with the change or not at all."""
    entry = AuditEntry(
        created_at=utcnow(),
        actor_user_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=before,
        after=after,
    )
    session.add(entry)
    session.flush()
    return entry


def entries(
    session: Session,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[AuditEntry]]:
    """Newest first, with the total for paging."""
    where = []
    if entity:
        where.append(AuditEntry.entity == entity)
    if entity_id:
        where.append(AuditEntry.entity_id == entity_id)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*where)) or 0
    rows = session.execute(
        select(AuditEntry).where(*where).order_by(AuditEntry.id.desc()).offset(offset).limit(limit)
    ).scalars()
    return total, list(rows)
