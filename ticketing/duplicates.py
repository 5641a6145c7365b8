"""Likely duplicates (重复件): the same caller or the same place, with similar text, in the last 30 days.

Two signals decide, for candidates from the same caller or the same place:
- text similarity: the cosine of character-bigram counts after dropping the phrases every agent
  writes ("来电人反映", "要求相关部门尽快处理"); bigrams need no word segmentation and are fast enough
  to score a few hundred candidates inside the intake transaction;
- problem concepts (ticketing.problem_lexicon): paraphrases of one problem share concepts even when
  they share few characters ("路灯不亮" / "路灯坏了").
Different house or building numbers (88号 / 188号, 3栋 / 5栋) veto a match. The thresholds were set
on tests/data/duplicate_pairs.csv; tests/ticketing/test_duplicates.py prints the measured precision
and recall.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ticketing.models import Ticket
from ticketing.problem_lexicon import concepts_in
from ticketing.vocabulary import TicketStatus

WINDOW = timedelta(days=30)
MAX_CANDIDATES = 300
STRONG_TEXT_SIMILARITY = 0.5  # enough on its own
WEAK_TEXT_SIMILARITY = 0.15  # enough when the problem concepts agree
CONCEPT_AGREEMENT = 0.6  # Jaccard overlap of the two texts' concepts
IGNORED_STATUSES = (TicketStatus.CANCELLED.value, TicketStatus.MERGED.value)
HOUSE_NUMBER = re.compile(r"(\d+|[一二三四五六七八九十百]+)(号楼|号|栋|幢|单元)")

BOILERPLATE = re.compile(
    "|".join(
        [
            "来电人",
            "来电市民",
            "市民",
            "来电",
            "反映",
            "咨询",
            "称",
            "要求",
            "希望",
            "请求",
            "相关部门",
            "有关部门",
            "尽快",
            "处理",
            "解决",
            "核实",
            "协调",
            "情况",
            "问题",
        ]
    )
)
NON_TEXT = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class DuplicateCandidate:
    ticket_id: int
    number: str
    score: float
    reason: str  # "same_caller" | "same_area"


@lru_cache(maxsize=50_000)
def _vector(text: str) -> tuple[Counter[str], float]:
    """Bigram counts and their norm; cached because the same recent tickets are compared again and again."""
    text = NON_TEXT.sub("", BOILERPLATE.sub("", unicodedata.normalize("NFKC", text).lower()))
    grams = Counter(text[i : i + 2] for i in range(len(text) - 1))
    return grams, math.sqrt(sum(c * c for c in grams.values()))


def text_similarity(a: str, b: str) -> float:
    """Cosine similarity in [0, 1] of the two texts' character bigrams."""
    (va, na), (vb, nb) = _vector(a), _vector(b)
    if not na or not nb:
        return 0.0
    if len(va) > len(vb):
        va, vb = vb, va
    return sum(count * vb[gram] for gram, count in va.items()) / (na * nb)


def concept_agreement(a: str, b: str) -> float:
    ca, cb = concepts_in(a), concepts_in(b)
    return len(ca & cb) / len(ca | cb) if ca | cb else 0.0


def _numbers_conflict(a: str, b: str) -> bool:
    na = {m.group(0) for m in HOUSE_NUMBER.finditer(a)}
    nb = {m.group(0) for m in HOUSE_NUMBER.finditer(b)}
    return bool(na and nb and not na & nb)


def duplicate_score(a: str, b: str, *, same_caller: bool, same_area: bool) -> float | None:
    """A score in [0, 1] when `b` is likely the same request as `a`, else None."""
    if not (same_caller or same_area) or _numbers_conflict(a, b):
        return None
    similarity = text_similarity(a, b)
    agreement = concept_agreement(a, b)
    if similarity >= STRONG_TEXT_SIMILARITY or (
        agreement >= CONCEPT_AGREEMENT and similarity >= WEAK_TEXT_SIMILARITY
    ):
        return round((similarity + agreement) / 2, 3)
    return None


def find_likely_duplicates(
    session: Session,
    *,
    content: str,
    citizen_id: int | None,
    area_unit_id: int | None,
    address: str | None,
    now: datetime,
) -> list[DuplicateCandidate]:
    """Best first. Only tickets younger than WINDOW that were not cancelled or merged away."""
    place_filters = []
    if citizen_id is not None:
        place_filters.append(Ticket.citizen_id == citizen_id)
    if area_unit_id is not None:
        place_filters.append(Ticket.area_unit_id == area_unit_id)
    if address:
        place_filters.append(Ticket.address == address)
    if not place_filters:
        return []
    rows = session.execute(
        select(
            Ticket.id, Ticket.number, Ticket.content, Ticket.citizen_id, Ticket.area_unit_id, Ticket.address
        )
        .where(or_(*place_filters), Ticket.created_at >= now - WINDOW, Ticket.status.not_in(IGNORED_STATUSES))
        .order_by(Ticket.created_at.desc())
        .limit(MAX_CANDIDATES)
    ).all()
    found = []
    for row in rows:
        same_caller = citizen_id is not None and row.citizen_id == citizen_id
        same_area = (area_unit_id is not None and row.area_unit_id == area_unit_id) or (
            bool(address) and row.address == address
        )
        score = duplicate_score(content, row.content, same_caller=same_caller, same_area=same_area)
        if score is not None:
            reason = "same_caller" if same_caller else "same_area"
            found.append(DuplicateCandidate(row.id, row.number, score, reason))
    return sorted(found, key=lambda c: c.score, reverse=True)
