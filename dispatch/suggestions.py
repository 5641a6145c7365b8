"""Suggested type, category and unit for a ticket: the dispatch catalogue's rules combined with text
classifiers trained on the system's own closed tickets. People accept or override; an override is
stored as a training signal (ClassifierFeedback) and the next retraining learns from the outcome.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.models import Assignment, ClassifierFeedback
from dispatch.routing import area_chain, match_rule
from ticketing.models import Category, OrgUnit, Ticket
from ticketing.vocabulary import TicketStatus, TicketType

log = logging.getLogger(__name__)
TARGETS = ("type", "category", "unit")
FINISHED = (TicketStatus.CLOSED.value, TicketStatus.VISITED.value, TicketStatus.ARCHIVED.value)


class Classifier(Protocol):
    def suggest(self, text: str, top: int = 3) -> list: ...  # items with .label and .confidence


@dataclass(frozen=True)
class Suggested:
    value: str  # type value, category code or unit code
    label: str  # what people read
    confidence: float
    source: str  # rule | classifier


@dataclass
class TicketSuggestions:
    ticket_type: list[Suggested] = field(default_factory=list)
    category: list[Suggested] = field(default_factory=list)
    unit: list[Suggested] = field(default_factory=list)


def model_path(models_dir: Path, target: str) -> Path:
    return models_dir / f"classifier-{target}.joblib"


def load_classifiers(models_dir: Path) -> dict[str, Classifier]:
    """The trained models present in `models_dir`; a missing or unreadable one is skipped with a warning."""
    from dispatch.text_classifier import TextClassifier

    found: dict[str, Classifier] = {}
    for target in TARGETS:
        path = model_path(models_dir, target)
        if path.exists():
            try:
                found[target] = TextClassifier.load(path)
            except Exception as error:  # a bad model must not stop intake; rules still work
                log.warning("cannot load %s: %s", path, error)
    return found


def _child_of(session: Session, unit_id: int, holder_unit_id: int) -> int | None:
    """The holder's child on the way down to `unit_id` (a rule may name a unit several levels below)."""
    chain = area_chain(session, unit_id)
    if holder_unit_id not in chain:
        return None
    index = chain.index(holder_unit_id)
    return chain[index - 1] if index > 0 else None


def suggest(
    session: Session, ticket: Ticket, classifiers: dict[str, Classifier], holder_unit_id: int | None = None
) -> TicketSuggestions:
    text = ticket.content
    result = TicketSuggestions()
    holder = holder_unit_id or ticket.holder_unit_id
    labels = {t.value: t.label for t in TicketType}
    if "type" in classifiers:
        result.ticket_type = [
            Suggested(s.label, labels.get(s.label, s.label), round(s.confidence, 3), "classifier")
            for s in classifiers["type"].suggest(text)
        ]
    if "category" in classifiers:
        for s in classifiers["category"].suggest(text):
            category = session.get(Category, s.label)
            if category is not None:
                result.category.append(
                    Suggested(s.label, category.name, round(s.confidence, 3), "classifier")
                )
    # A rule is as sure as the category it starts from: certain when a person set it, only as likely as
    # the classifier's guess otherwise.
    if ticket.category_code:
        category_code, rule_confidence = ticket.category_code, 1.0
    elif result.category:
        category_code, rule_confidence = result.category[0].value, result.category[0].confidence
    else:
        category_code, rule_confidence = None, 0.0
    rule = match_rule(session, category_code, ticket.area_unit_id)
    if rule is not None and holder is not None:
        target = (
            rule.unit_id
            if session.get_one(OrgUnit, rule.unit_id).parent_id == holder
            else _child_of(session, rule.unit_id, holder)
        )
        if target is not None:
            unit = session.get_one(OrgUnit, target)
            result.unit.append(Suggested(unit.code, unit.name, rule_confidence, "rule"))
    if "unit" in classifiers:
        for s in classifiers["unit"].suggest(text):
            unit = session.execute(select(OrgUnit).where(OrgUnit.code == s.label)).scalar_one_or_none()
            if (
                unit is not None
                and unit.parent_id == holder
                and unit.code not in {u.value for u in result.unit}
            ):
                result.unit.append(Suggested(unit.code, unit.name, round(s.confidence, 3), "classifier"))
    result.unit.sort(key=lambda u: -u.confidence)  # stable: a rule stays first on a tie
    return result


def record_choice(
    session: Session,
    ticket_id: int,
    target: str,
    suggested: Suggested | None,
    chosen: str,
    user_id: int | None,
    now: datetime,
) -> None:
    """What a person chose against what was suggested: kept whether they agreed or not."""
    session.add(
        ClassifierFeedback(
            ticket_id=ticket_id,
            target=target,
            suggested=suggested.value if suggested else None,
            confidence=suggested.confidence if suggested else None,
            chosen=chosen,
            user_id=user_id,
            created_at=now,
        )
    )


def training_rows(session: Session, target: str, limit: int = 200_000) -> tuple[list[str], list[str]]:
    """Texts and final labels of finished tickets. The labels are what people settled on, so agents'
    and dispatchers' overrides are learnt by the next training."""
    finished = Ticket.status.in_(FINISHED)
    if target == "unit":
        first_level = (
            select(Ticket.content, OrgUnit.code)
            .join(Assignment, Assignment.ticket_id == Ticket.id)
            .join(OrgUnit, OrgUnit.id == Assignment.unit_id)
            .where(
                finished,
                Assignment.role == "lead",
                Assignment.parent_id.is_(None),
                Assignment.status.in_(("accepted", "closed")),
            )
            .order_by(Ticket.id.desc())
            .limit(limit)
        )
        rows = session.execute(first_level).all()
    else:
        column = Ticket.ticket_type if target == "type" else Ticket.category_code
        rows = session.execute(
            select(Ticket.content, column)
            .where(finished, column.is_not(None))
            .order_by(Ticket.id.desc())
            .limit(limit)
        ).all()
    return [r[0] for r in rows], [r[1] for r in rows]
