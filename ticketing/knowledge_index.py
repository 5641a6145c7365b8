"""Keeping knowledge articles in their full-text index (`kb_search`): mapper events write the row in
the flush that inserts or updates the article, so every path (admin API, demo seed, scripts using the
ORM) keeps the index in step, in the same transaction."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.orm import Mapper

from ticketing.fulltext import KNOWLEDGE
from ticketing.models import KnowledgeArticle
from ticketing.search_terms import document_terms

INDEXED_FIELDS = ("title", "keywords", "summary", "basis", "conditions", "materials", "place", "fees")


def article_terms(article: Any) -> list[str]:
    """Terms of an article, or of a row mapping of `kb_articles` (the migration's backfill)."""

    def get(field: str) -> Any:
        return article[field] if hasattr(article, "keys") else getattr(article, field)

    faq = get("faq") or []
    if isinstance(faq, str):  # raw JSON text from SQLite
        faq = json.loads(faq)
    answers = [f"{item.get('q', '')} {item.get('a', '')}" for item in faq if isinstance(item, dict)]
    return document_terms(*(get(field) for field in INDEXED_FIELDS), *answers)


@event.listens_for(KnowledgeArticle, "after_insert")
@event.listens_for(KnowledgeArticle, "after_update")
def _reindex(_mapper: Mapper[Any], connection: Connection, article: KnowledgeArticle) -> None:
    KNOWLEDGE.write(connection, article.id, article_terms(article))
