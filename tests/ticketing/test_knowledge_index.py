"""The knowledge base's full-text index on both databases: written with every insert and update of an
article (any path through the ORM), and the search scores only the articles it picks."""

from __future__ import annotations

from sqlalchemy import select

from ticketing.fulltext import KNOWLEDGE
from ticketing.knowledge_search import search
from ticketing.models import KnowledgeArticle
from ticketing.search_terms import query_phrases


def indexed(db, text: str) -> set[int]:
    with db.read_session() as s:
        return set(s.execute(KNOWLEDGE.ids_matching(db.dialect, query_phrases(text))).scalars())


def titles(db, query: str) -> list[str]:
    with db.read_session() as s:
        return [hit.article.title for hit in search(s, query)]


def test_articles_are_indexed_on_insert_and_update_and_searched_through_the_index(db):
    with db.session() as s:
        card = KnowledgeArticle(
            title="社会保障卡挂失与补换",
            keywords="社保卡 补办",
            summary="丢失后先挂失再补办。",
            faq=[{"q": "补卡要多久", "a": "即时制卡"}],
        )
        fund = KnowledgeArticle(title="住房公积金提取", keywords="公积金", summary="租房可提取公积金。")
        s.add_all([card, fund])
    assert indexed(db, "社保") == {card.id}
    assert indexed(db, "制卡") == {card.id}  # the FAQ's answers are indexed too
    assert titles(db, "社保卡丢了怎么补办") == ["社会保障卡挂失与补换"]
    assert titles(db, "租房提取公积金") == ["住房公积金提取"]

    with db.session() as s:
        s.get_one(KnowledgeArticle, fund.id).summary = "购房、租房、退休均可提取。"
    assert indexed(db, "退休") == {fund.id}
    assert indexed(db, "公积金") == {fund.id}  # still in the title
    with db.session() as s:
        s.get_one(KnowledgeArticle, card.id).active = False
        assert s.execute(select(KnowledgeArticle.id).where(KnowledgeArticle.active.is_(True))).all()
    assert titles(db, "社保卡丢了怎么补办") == []  # inactive articles are never offered
    assert titles(db, "，，") == []
