"""Rules and classifiers combined into the suggestions an agent or dispatcher sees; overrides kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from dispatch.context import dispatch_context
from dispatch.graded_dispatch import dispatch_ticket
from dispatch.models import ClassifierFeedback
from dispatch.routing import add_rule
from dispatch.suggestions import suggest
from tests.dispatch.conftest import build_city
from ticketing.intake import submit
from ticketing.models import Category, Ticket
from ticketing.submission import Submission

NOW = datetime(2026, 11, 23, 2, tzinfo=UTC)


@dataclass
class Guess:
    label: str
    confidence: float


class FixedClassifier:
    """Stands in for a trained model in this unit test of the combination (the model has its own tests)."""

    def __init__(self, *guesses: tuple[str, float]) -> None:
        self.guesses = [Guess(label, confidence) for label, confidence in guesses]

    def suggest(self, text: str, top: int = 3) -> list[Guess]:
        return self.guesses[:top]


def test_rule_comes_first_mapped_to_the_holders_child_then_the_classifier(db):
    city = build_city(db)
    with db.session() as s:
        s.add_all(
            [
                Category(code="110000", name="城市管理", level=1),
                Category(code="110300", name="市政设施", parent_code="110000", level=2),
                Category(code="110301", name="路灯", parent_code="110300", level=3),
            ]
        )
        s.flush()
        add_rule(s, "1103", "D01S01")  # a street: from the platform that means its district
    ticket_id = submit(
        db, Submission(channel="phone_agent", content="路灯不亮", area_code="D01S01C01"), now=NOW
    ).ticket_id
    classifiers = {
        "type": FixedClassifier(("complaint", 0.8), ("help", 0.1)),
        "category": FixedClassifier(("110301", 0.9), ("999999", 0.05)),
        "unit": FixedClassifier(("C01", 0.6), ("D01", 0.3), ("D01S01C01", 0.1)),
    }
    with db.read_session() as s:
        result = suggest(s, s.get_one(Ticket, ticket_id), classifiers)
    assert [(t.value, t.label) for t in result.ticket_type] == [("complaint", "投诉"), ("help", "求助")]
    assert [c.value for c in result.category] == ["110301"]  # unknown codes are dropped
    assert [(u.value, u.source, u.confidence) for u in result.unit] == [
        ("D01", "rule", 0.9),  # as sure as the guessed category it came from
        ("C01", "classifier", 0.6),
    ]  # D01 is not repeated; the community is not a child of the platform
    weak = {**classifiers, "category": FixedClassifier(("110301", 0.05))}
    with db.read_session() as s:
        units = suggest(s, s.get_one(Ticket, ticket_id), weak).unit
    assert [(u.value, u.source, u.confidence) for u in units] == [
        ("C01", "classifier", 0.6),
        ("D01", "rule", 0.05),
    ]

    with dispatch_context(db, NOW) as ctx:
        dispatch_ticket(ctx, city.op(db, "city"), ticket_id, city.department, suggestion=result.unit[0])
    with db.read_session() as s:
        feedback = s.execute(select(ClassifierFeedback)).scalar_one()
        assert (feedback.target, feedback.suggested, feedback.chosen) == ("unit", "D01", "C01")
