"""The SLA policy table and the dispatch settings, with the defaults of the 12345 rules, and the
deadline arithmetic that turns a policy row into a moment on the working-day calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.models import PolicySetting, SlaPolicy
from dispatch.working_calendar import WorkingCalendar, clock_deadline
from ticketing.errors import InvalidInput

CLOCK_MINUTES = "clock_minutes"
WORKING_MINUTES = "working_minutes"
WORKING_DAYS = "working_days"
UNITS = (CLOCK_MINUTES, WORKING_MINUTES, WORKING_DAYS)
# Not an admin-editable unit: the leader-day rule (当天前往调查) — due by the end of the same day.
SAME_DAY = "same_day"
STAGES = ("dispatch", "sign", "reply")
COMPLEX = "complex"  # 复杂件: only the reply stage differs

# (grade, stage) -> (amount, unit). 紧急 runs on the clock; the others on working time, except the
# 24-hour reply of 加急, which the rules state in clock hours.
DEFAULT_SLA: dict[tuple[str, str], tuple[int, str]] = {
    ("urgent", "dispatch"): (30, CLOCK_MINUTES),
    ("urgent", "sign"): (60, CLOCK_MINUTES),
    ("urgent", "reply"): (120, CLOCK_MINUTES),
    ("important", "dispatch"): (120, WORKING_MINUTES),
    ("important", "sign"): (120, WORKING_MINUTES),
    ("important", "reply"): (24 * 60, CLOCK_MINUTES),
    ("normal", "dispatch"): (1, WORKING_DAYS),
    ("normal", "sign"): (1, WORKING_DAYS),
    ("normal", "reply"): (5, WORKING_DAYS),
    (COMPLEX, "reply"): (15, WORKING_DAYS),
}

DEFAULT_SETTINGS: dict[str, float] = {
    "max_extensions": 1,
    "max_extension_working_days": 10,
    "return_window_working_days": 2,
    "returns_before_arbitration": 2,
    "warning_share": 0.8,  # yellow card when this share of the time is used ...
    "warning_working_days_before": 1,  # ... or this many working days before the deadline
    "rating_rectify_days": 7,  # a 差评 is verified and rectified within this many days
    "rating_default_days": 7,  # no rating this many days after closure counts as 基本满意
    # The composite assessment score (考核综合得分): weights of the three rates, in percent points.
    "weight_response": 0.1,
    "weight_resolution": 0.5,
    "weight_satisfaction": 0.4,
}


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: str

    def deadline(self, calendar: WorkingCalendar, start: datetime) -> datetime:
        if self.unit == CLOCK_MINUTES:
            return clock_deadline(start, self.amount)
        if self.unit == WORKING_MINUTES:
            return calendar.add_working_minutes(start, self.amount)
        if self.unit == SAME_DAY:
            return calendar.end_of_same_day(start)
        return calendar.add_working_days(start, self.amount)


@dataclass(frozen=True)
class Policy:
    limits: dict[tuple[str, str], Limit]
    settings: dict[str, float]

    def limit(self, grade: str, stage: str, *, complex_case: bool = False) -> Limit:
        if complex_case and stage == "reply" and (COMPLEX, "reply") in self.limits:
            return self.limits[(COMPLEX, "reply")]
        return self.limits[(grade, stage)]

    def setting(self, key: str) -> float:
        return self.settings[key]

    def whole(self, key: str) -> int:
        return int(self.settings[key])


def same_day_policy(policy: Policy) -> Policy:
    """`policy` with every sign and reply limit replaced by the end of the day it starts on."""
    same_day = Limit(0, SAME_DAY)
    limits = {key: same_day if key[1] in ("sign", "reply") else limit for key, limit in policy.limits.items()}
    return Policy(limits, policy.settings)


def default_policy() -> Policy:
    return Policy({k: Limit(*v) for k, v in DEFAULT_SLA.items()}, dict(DEFAULT_SETTINGS))


def load_policy(session: Session) -> Policy:
    """The admin's table where it has rows, the defaults for anything missing."""
    policy = default_policy()
    for row in session.execute(select(SlaPolicy)).scalars():
        policy.limits[(row.grade, row.stage)] = Limit(row.amount, row.unit)
    for row in session.execute(select(PolicySetting)).scalars():
        policy.settings[row.key] = row.value
    return policy


def set_limit(session: Session, grade: str, stage: str, amount: int, unit: str) -> None:
    grades = {g for g, _ in DEFAULT_SLA}
    if grade not in grades or stage not in STAGES or unit not in UNITS or amount <= 0:
        raise InvalidInput(f"时限设置无效：{grade}/{stage} {amount} {unit}", code="invalid_sla_policy")
    row = session.get(SlaPolicy, (grade, stage))
    if row is None:
        session.add(SlaPolicy(grade=grade, stage=stage, amount=amount, unit=unit))
    else:
        row.amount, row.unit = amount, unit


def set_setting(session: Session, key: str, value: float) -> None:
    if key not in DEFAULT_SETTINGS or value < 0:
        raise InvalidInput(f"参数无效：{key}={value}", code="invalid_policy_setting")
    row = session.get(PolicySetting, key)
    if row is None:
        session.add(PolicySetting(key=key, value=value))
    else:
        row.value = value


def warning_time(
    calendar: WorkingCalendar, policy: Policy, start: datetime, due: datetime, *, working_time: bool
) -> datetime:
    """When the yellow card falls due: the configured share of the time, or N working days before the
    deadline, whichever comes first (the latter only where the limit is longer than N working days)."""
    share = policy.setting("warning_share")
    if not working_time:
        return start + (due - start) * share
    total = calendar.working_minutes_between(start, due)
    by_share = calendar.add_working_minutes(start, int(total * share))
    margin = policy.whole("warning_working_days_before") * calendar.office_hours.minutes_per_day
    if total > margin:
        return min(by_share, calendar.add_working_minutes(start, total - margin))
    return by_share
