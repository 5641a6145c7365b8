"""Writing knowledge-base articles with the elements of a service guide (办事指南)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ticketing.errors import InvalidInput, NotFound
from ticketing.models import Category, KnowledgeArticle, OrgUnit, utcnow

# field -> longest accepted text (the columns' sizes, and a sane bound for the Text ones)
TEXT_FIELDS = {
    "title": 200,
    "summary": 20_000,
    "basis": 20_000,
    "conditions": 20_000,
    "materials": 20_000,
    "time_limit": 200,
    "place": 5_000,
    "phone": 100,
    "fees": 5_000,
    "keywords": 500,
}
FIELDS = (*TEXT_FIELDS, "category_code", "unit_id", "faq", "active")
MAX_FAQ = 100


def article_admin_json(article: KnowledgeArticle) -> dict[str, Any]:
    body = {field: getattr(article, field) for field in FIELDS}
    body["faq"] = article.faq or []
    body["id"] = article.id
    body["updated_at"] = article.updated_at.isoformat() if article.updated_at else None
    return body


def get_article(session: Session, article_id: int) -> KnowledgeArticle:
    article = session.get(KnowledgeArticle, article_id)
    if article is None:
        raise NotFound("知识条目不存在", code="article_not_found")
    return article


def _check(session: Session, values: dict[str, Any]) -> None:
    for field, limit in TEXT_FIELDS.items():
        if field in values and (not isinstance(values[field], str) or len(values[field]) > limit):
            raise InvalidInput(f"{field} 须为不超过 {limit} 字的文本", code="invalid_fields", field=field)
    if "title" in values and not values["title"].strip():
        raise InvalidInput("标题不能为空", code="title_required", field="title")
    if "active" in values and not isinstance(values["active"], bool):
        raise InvalidInput("active 须为 true 或 false", code="invalid_fields", field="active")
    code = values.get("category_code")
    if code is not None and session.get(Category, code) is None:
        raise InvalidInput(f"诉求分类不存在：{code}", code="unknown_category", field="category_code")
    unit_id = values.get("unit_id")
    if unit_id is not None and session.get(OrgUnit, unit_id) is None:
        raise InvalidInput(f"单位不存在：{unit_id}", code="unknown_unit", field="unit_id")
    faq = values.get("faq")
    if faq is not None and not (
        isinstance(faq, list)
        and len(faq) <= MAX_FAQ
        and all(
            isinstance(item, dict)
            and set(item) == {"q", "a"}
            and all(isinstance(v, str) and v.strip() for v in item.values())
            for item in faq
        )
    ):
        raise InvalidInput(
            f'常见问题须为至多 {MAX_FAQ} 个 {{"q": 问, "a": 答}} 的列表', code="invalid_faq", field="faq"
        )


def save_article(
    session: Session, article: KnowledgeArticle | None, values: dict[str, Any]
) -> KnowledgeArticle:
    """Create (article None: title required) or edit; every value is checked before any is set."""
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise InvalidInput(f"未知字段：{', '.join(unknown)}", code="unknown_fields", fields=unknown)
    if article is None and "title" not in values:
        raise InvalidInput("标题不能为空", code="title_required", field="title")
    _check(session, values)
    if article is None:
        article = KnowledgeArticle(faq=[], active=True)
        session.add(article)
    for field, value in values.items():
        setattr(article, field, value)
    article.updated_at = utcnow()
    session.flush()
    return article
