"""Admin API for the category catalogue and the knowledge base."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.operators import Operator
from ticketing.catalog_admin import add_category, category_json, get_category, update_category
from ticketing.knowledge_admin import FIELDS as ARTICLE_FIELDS
from ticketing.knowledge_admin import article_admin_json, get_article, save_article
from ticketing.models import Category, KnowledgeArticle
from web.admin_api import Change, admin_of, change, read
from web.admin_body import Body
from web.request_parsing import path_int, query_int


async def list_categories(request: web.Request) -> web.Response:
    def load(session: Session) -> dict[str, Any]:
        return {
            "items": [
                category_json(c) for c in session.execute(select(Category).order_by(Category.code)).scalars()
            ]
        }

    return await read(request, load)


async def post_category(request: web.Request) -> web.Response:
    admin_of(request)
    body = await Body.read(request, ("code", "name"))
    code, name = body.text("code", required=True, max_len=6) or "", body.text("name", required=True) or ""

    def work(session: Session, _: Operator) -> Change:
        category = add_category(session, code, name)
        return Change("create", "category", category.code, None, category_json(category))

    return await change(request, work, status=201)


async def patch_category(request: web.Request) -> web.Response:
    admin_of(request)
    code = request.match_info["code"]
    body = await Body.read(request, ("name", "active"))
    name, active = body.text("name", required="name" in body), body.flag("active")

    def work(session: Session, _: Operator) -> Change:
        category = get_category(session, code)
        before = category_json(category)
        update_category(session, category, name=name, active=active)
        return Change("update", "category", code, before, category_json(category))

    return await change(request, work)


async def list_articles(request: web.Request) -> web.Response:
    page = query_int(request, "page", 1, 1, 100_000)
    per_page = query_int(request, "per_page", 50, 1, 200)

    def load(session: Session) -> dict[str, Any]:
        rows = session.execute(
            select(KnowledgeArticle)
            .order_by(KnowledgeArticle.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).scalars()
        return {"items": [article_admin_json(a) for a in rows], "page": page, "per_page": per_page}

    return await read(request, load)


async def post_article(request: web.Request) -> web.Response:
    admin_of(request)
    values = (await Body.read(request, ARTICLE_FIELDS)).data

    def work(session: Session, _: Operator) -> Change:
        article = save_article(session, None, values)
        return Change("create", "kb_article", article.id, None, article_admin_json(article))

    return await change(request, work, status=201)


async def patch_article(request: web.Request) -> web.Response:
    admin_of(request)
    article_id = path_int(request, "article_id", "知识条目不存在", "article_not_found")
    values = (await Body.read(request, ARTICLE_FIELDS)).data

    def work(session: Session, _: Operator) -> Change:
        article = get_article(session, article_id)
        before = article_admin_json(article)
        save_article(session, article, values)
        return Change("update", "kb_article", article.id, before, article_admin_json(article))

    return await change(request, work)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/admin/categories", list_categories)
    app.router.add_post("/api/admin/categories", post_category)
    app.router.add_patch(r"/api/admin/categories/{code}", patch_category)
    app.router.add_get("/api/admin/knowledge", list_articles)
    app.router.add_post("/api/admin/knowledge", post_article)
    app.router.add_patch(r"/api/admin/knowledge/{article_id}", patch_article)
