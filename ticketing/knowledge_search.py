"""Knowledge-base search for the agent on the phone: words of the question (jieba) scored against
each article's title, keywords and body. The full-text index (`kb_search`, bigrams) picks the
articles containing any of the words; only those are scored, in Python."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.fulltext import KNOWLEDGE
from ticketing.models import KnowledgeArticle
from ticketing.search_terms import bigrams, runs

MAX_QUERY_CHARS = 200
WEIGHTS = (("title", 5.0), ("keywords", 3.0), ("summary", 1.0), ("conditions", 0.5), ("materials", 0.5))
STOP_WORDS = frozenset(
    {
        "的",
        "了",
        "吗",
        "呢",
        "怎么",
        "如何",
        "什么",
        "哪里",
        "可以",
        "需要",
        "要",
        "我",
        "想",
        "请问",
        "办理",
        "一下",
        "是",
        "在",
        "和",
        "有",
    }
)


@dataclass(frozen=True)
class Hit:
    article: KnowledgeArticle
    score: float


@lru_cache(maxsize=1)
def _jieba():  # noqa: ANN202 - the module; loading its dictionary takes about a second, so only once
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


def query_terms(query: str) -> list[str]:
    words = [w.strip() for w in _jieba().cut_for_search(query[:MAX_QUERY_CHARS])]
    return [w for w in dict.fromkeys(words) if w and w not in STOP_WORDS and (len(w) > 1 or w.isalnum())]


def search(session: Session, query: str, limit: int = 10) -> list[Hit]:
    terms = query_terms(query)
    if not terms:
        return []
    phrases = [bigrams(run) for term in terms for run in runs(term)]
    if not phrases:  # nothing but punctuation and symbols
        return []
    candidates = select(KnowledgeArticle).where(KnowledgeArticle.active.is_(True))
    if all(len(phrase[0]) == 2 for phrase in phrases):  # one-character words are not in the index
        dialect = session.get_bind().dialect.name
        candidates = candidates.where(
            KnowledgeArticle.id.in_(KNOWLEDGE.ids_matching(dialect, phrases, any_phrase=True))
        )
    hits = []
    for article in session.execute(candidates).scalars():
        faq = " ".join(f"{item.get('q', '')} {item.get('a', '')}" for item in article.faq or [])
        score = sum(
            weight * sum(term in (getattr(article, field) or "") for term in terms)
            for field, weight in WEIGHTS
        )
        score += 0.5 * sum(term in faq for term in terms)
        if score > 0:
            hits.append(Hit(article, score))
    return sorted(hits, key=lambda h: (-h.score, h.article.id))[:limit]
