"""`GET /api/tickets/{id}/suggestions`: type, category and unit suggestions for the agent's intake
form and the dispatcher's queue. Models are reloaded when a retraining replaces their files."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from aiohttp import web

from dispatch.suggestions import TARGETS, Classifier, load_classifiers, model_path, suggest
from dispatch.visibility import can_see
from ticketing.errors import NotFound
from ticketing.models import Ticket
from web.auth import operator_of
from web.keys import DATA_DIR_KEY, DB_KEY


class SuggesterCache:
    """The trained models of a data dir, loaded again only when a model file changes."""

    def __init__(self, models_dir: Path) -> None:
        self.models_dir = models_dir
        self._lock = threading.Lock()
        self._stamp: tuple[float, ...] | None = None
        self._models: dict[str, Classifier] = {}

    def _current_stamp(self) -> tuple[float, ...]:
        paths = (model_path(self.models_dir, t) for t in TARGETS)
        return tuple(p.stat().st_mtime if p.exists() else 0.0 for p in paths)

    def get(self) -> dict[str, Classifier]:
        stamp = self._current_stamp()
        with self._lock:
            if stamp != self._stamp:
                self._models, self._stamp = load_classifiers(self.models_dir), stamp
            return self._models


CACHE_KEY: web.AppKey[SuggesterCache] = web.AppKey("suggesters", SuggesterCache)


async def ticket_suggestions(request: web.Request) -> web.Response:
    operator = operator_of(request)
    try:
        ticket_id = int(request.match_info["ticket_id"])
    except ValueError:
        raise NotFound("工单不存在", code="ticket_not_found") from None
    db, cache = request.app[DB_KEY], request.app[CACHE_KEY]

    def run() -> dict[str, Any]:
        classifiers = cache.get()
        with db.read_session() as s:
            ticket = s.get(Ticket, ticket_id)
            if ticket is None or not can_see(s, operator, ticket_id):
                raise NotFound("工单不存在", code="ticket_not_found")
            result = suggest(s, ticket, classifiers, holder_unit_id=operator.unit_id)
        return {
            "type": [asdict(x) for x in result.ticket_type],
            "category": [asdict(x) for x in result.category],
            "unit": [asdict(x) for x in result.unit],
            "models": sorted(classifiers),
        }

    return web.json_response(await asyncio.to_thread(run))


def add_routes(app: web.Application) -> None:
    app[CACHE_KEY] = SuggesterCache(app[DATA_DIR_KEY] / "suggesters")
    app.router.add_get(r"/api/tickets/{ticket_id}/suggestions", ticket_suggestions)
