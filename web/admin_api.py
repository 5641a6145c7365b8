"""`/api/admin/...`: the admin console's JSON API. Admins only (others: 403 `admin_only`).

Every change runs in one transaction with its audit entry (who, when, what, before/after), so a
change without its record — or a record of a change that failed validation — cannot exist.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.orm import Session

from dispatch.operators import Forbidden, Operator
from ticketing.audit import entries, record
from ticketing.vocabulary import Role
from web.auth import operator_of
from web.keys import DB_KEY
from web.request_parsing import query_int
from web.serialize import iso

MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Change:
    action: str
    entity: str
    entity_id: str | int
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    response: dict[str, Any] | None = None  # what the caller gets, when more than `after`


def admin_of(request: web.Request) -> Operator:
    operator = operator_of(request)
    if operator.role != Role.ADMIN.value:
        raise Forbidden("只有管理员可以使用系统管理功能", code="admin_only")
    return operator


async def read(request: web.Request, load: Callable[[Session], Any]) -> web.Response:
    admin_of(request)
    db = request.app[DB_KEY]

    def run() -> Any:
        with db.read_session() as session:
            return load(session)

    return web.json_response(await asyncio.to_thread(run))


async def change(
    request: web.Request,
    work: Callable[[Session, Operator], Change],
    *,
    status: int = 200,
    after_commit: Callable[[], None] | None = None,
) -> web.Response:
    """Run `work` and record it, in one transaction; `after_commit` drops caches the change affects."""
    operator = admin_of(request)
    db = request.app[DB_KEY]

    def run() -> dict[str, Any]:
        with db.session() as session:
            done = work(session, operator)
            record(session, operator.actor, done.action, done.entity, done.entity_id, done.before, done.after)
        if after_commit is not None:
            after_commit()
        return done.response if done.response is not None else (done.after or {})

    return web.json_response(await asyncio.to_thread(run), status=status)


def entry_json(entry: Any) -> dict[str, Any]:
    return {
        "id": entry.id,
        "created_at": iso(entry.created_at),
        "actor": entry.actor_label,
        "actor_user_id": entry.actor_user_id,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "before": entry.before,
        "after": entry.after,
    }


async def audit_log(request: web.Request) -> web.Response:
    page = query_int(request, "page", 1, 1, 100_000)
    per_page = query_int(request, "per_page", 50, 1, MAX_PER_PAGE)
    entity = request.query.get("entity") or None
    entity_id = request.query.get("entity_id") or None

    def load(session: Session) -> dict[str, Any]:
        total, rows = entries(
            session, entity=entity, entity_id=entity_id, offset=(page - 1) * per_page, limit=per_page
        )
        return {"items": [entry_json(e) for e in rows], "page": page, "per_page": per_page, "total": total}

    return await read(request, load)


def add_routes(app: web.Application) -> None:
    from web import admin_catalog, admin_dispatch, admin_leader_sessions, admin_org, admin_ratings

    app.router.add_get("/api/admin/audit", audit_log)
    admin_org.add_routes(app)
    admin_catalog.add_routes(app)
    admin_dispatch.add_routes(app)
    admin_ratings.add_routes(app)
    admin_leader_sessions.add_routes(app)
