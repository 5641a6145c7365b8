"""`/api/knowledge`: the agent's knowledge-base search and the full service guide (办事指南)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from ticketing.errors import NotFound
from ticketing.knowledge_search import search
from ticketing.models import KnowledgeArticle
from web.auth import operator_of
from web.keys import DB_KEY

GUIDE_FIELDS = ("summary", "basis", "conditions", "materials", "time_limit", "place", "phone", "fees")


def article_json(article: KnowledgeArticle, *, full: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "category_code": article.category_code,
        "summary": article.summary,
    }
    if full:
        body.update({field: getattr(article, field) for field in GUIDE_FIELDS})
        body["faq"] = article.faq or []
    return body


async def search_knowledge(request: web.Request) -> web.Response:
    operator_of(request)
    query = (request.query.get("q") or "").strip()
    db = request.app[DB_KEY]

    def run() -> list[dict[str, Any]]:
        with db.read_session() as s:
            return [{**article_json(h.article, full=False), "score": h.score} for h in search(s, query)]

    return web.json_response({"items": await asyncio.to_thread(run) if query else []})


async def get_article(request: web.Request) -> web.Response:
    operator_of(request)
    try:
        article_id = int(request.match_info["article_id"])
    except ValueError:
        raise NotFound("知识条目不存在", code="article_not_found") from None
    db = request.app[DB_KEY]

    def load() -> dict[str, Any]:
        with db.read_session() as s:
            article = s.get(KnowledgeArticle, article_id)
            if article is None or not article.active:
                raise NotFound("知识条目不存在", code="article_not_found")
            return article_json(article, full=True)

    return web.json_response(await asyncio.to_thread(load))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/knowledge", search_knowledge)
    app.router.add_get(r"/api/knowledge/{article_id}", get_article)
