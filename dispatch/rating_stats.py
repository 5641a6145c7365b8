"""好差评 statistics per hall, window, staff member or unit (for dashboards and assessment).

Ratings whose appeal the platform upheld are left out: they no longer count against anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ticketing.errors import InvalidInput
from ticketing.models import Evaluation, OrgUnit, ServiceHall, ServiceWindow, User
from ticketing.vocabulary import BAD_RATING_LEVELS, RatingLevel

# What a row is about: the evaluation's column and the table that names it.
DIMENSIONS: dict[str, tuple[Any, Any, Any]] = {
    "hall": (Evaluation.hall_id, ServiceHall.id, ServiceHall.name),
    "window": (Evaluation.window_id, ServiceWindow.id, ServiceWindow.name),
    "staff": (Evaluation.staff_user_id, User.id, User.display_name),
    "unit": (Evaluation.unit_id, OrgUnit.id, OrgUnit.name),
}


@dataclass
class RatingStatsRow:
    id: int
    name: str
    counts: dict[str, int] = field(default_factory=lambda: {level.value: 0 for level in RatingLevel})

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def bad(self) -> int:
        return sum(self.counts[level.value] for level in BAD_RATING_LEVELS)

    @property
    def satisfaction_rate(self) -> float:
        """Share of ratings that are not 差评 (满意度 as the 好差评 rules count it)."""
        return (self.total - self.bad) / self.total if self.total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "counts": dict(self.counts),
            "total": self.total,
            "bad": self.bad,
            "satisfaction_rate": round(self.satisfaction_rate, 4),
        }


def rating_stats(
    session: Session, by: str, *, since: datetime | None = None, until: datetime | None = None
) -> list[RatingStatsRow]:
    """Rows ordered by name; `since`/`until` bound the rating time (until exclusive)."""
    if by not in DIMENSIONS:
        raise InvalidInput(f"统计维度无效：{by}（可选：{'、'.join(DIMENSIONS)}）", code="invalid_dimension")
    column, key, name = DIMENSIONS[by]
    query = (
        select(key, name, Evaluation.level, func.count())
        .join(Evaluation, column == key)
        .where(Evaluation.excluded.is_(False))
        .group_by(key, name, Evaluation.level)
    )
    if since is not None:
        query = query.where(Evaluation.rated_at >= since)
    if until is not None:
        query = query.where(Evaluation.rated_at < until)
    rows: dict[int, RatingStatsRow] = {}
    for row_id, row_name, level, count in session.execute(query):
        rows.setdefault(row_id, RatingStatsRow(row_id, row_name)).counts[level] = count
    return sorted(rows.values(), key=lambda r: (r.name, r.id))
