"""Training the suggesters the system uses: from its own finished tickets, or from a CSV an operator
brings (`hotline dispatch train`)."""

from __future__ import annotations

import logging
from pathlib import Path

from dispatch.suggestions import TARGETS, model_path, training_rows
from ticketing.db import Database

log = logging.getLogger(__name__)
MIN_EXAMPLES = 50  # below this a model would suggest noise; rules still work without one
MIN_LABELS = 2


def retrain_from_database(db: Database, models_dir: Path) -> dict[str, int]:
    """Train and save one model per target that has enough data; returns examples used per target."""
    from dispatch.text_classifier import TextClassifier

    trained: dict[str, int] = {}
    for target in TARGETS:
        with db.read_session() as session:
            texts, labels = training_rows(session, target)
        if len(texts) < MIN_EXAMPLES or len(set(labels)) < MIN_LABELS:
            log.info("not training %s: %d examples, %d labels", target, len(texts), len(set(labels)))
            continue
        classifier = TextClassifier()
        classifier.fit(texts, labels)
        models_dir.mkdir(parents=True, exist_ok=True)
        classifier.save(model_path(models_dir, target))
        trained[target] = len(texts)
    return trained
