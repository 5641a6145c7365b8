"""The SLA clock: office time on a working-day calendar (工作日 × 办公时间).

Pure and database-free. The calendar knows some days explicitly (holidays, 调休 make-up working
days — seeded from `chinese_calendar`, edited by the admin) and falls back to a rule (Mon–Fri) for
days it does not know. All arithmetic happens on the wall clock of the calendar's zone: office hours
are a wall-clock notion, and Asia/Shanghai has no DST, so wall time and elapsed time agree there.

Edge-case rules (deadlines must be reproducible, so they are fixed here, not left to callers):

* A start outside office time rolls forward to the next office period before anything is counted.
* Working time that runs out exactly at the end of a period ends there (12:00, 17:30), not at the
  next opening — a deadline of "today 17:30" is stricter than "tomorrow 09:00" and equally long.
* `working_minutes_between(a, b)` with b < a is the negative of `working_minutes_between(b, a)`;
  partial minutes are dropped (truncated toward zero).
* `add_working_days` — see its docstring; it always adds exactly N full office days of working time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Shanghai"
# A calendar that never yields a working day (bad admin data) must fail loudly, not spin forever.
MAX_IDLE_DAYS = 366

_ZERO = dt.timedelta(0)
_DAY = dt.timedelta(days=1)
_MINUTE = dt.timedelta(minutes=1)

Period = tuple[dt.time, dt.time]


def _fmt(t: dt.time) -> str:
    return t.strftime("%H:%M")


def _offset(t: dt.time) -> dt.timedelta:
    return dt.timedelta(hours=t.hour, minutes=t.minute)


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """Office periods of one working day, e.g. 09:00–12:00 and 13:30–17:30.

    Whole minutes only, so working time is always a whole number of minutes per day. A period cannot
    run to midnight (`time` has no 24:00); touching periods (12:00–12:00) are allowed.
    """

    periods: tuple[Period, ...]

    def __post_init__(self) -> None:
        periods = tuple(tuple(p) for p in self.periods)
        object.__setattr__(self, "periods", periods)
        if not periods:
            raise ValueError("office hours need at least one period")
        previous_end: dt.time | None = None
        for period in periods:
            if len(period) != 2 or not all(isinstance(t, dt.time) for t in period):
                raise ValueError(f"office period {period!r} must be a (start, end) pair of datetime.time")
            start, end = period
            if any(t.tzinfo is not None for t in period):
                raise ValueError("office hours are wall-clock times; the zone belongs to the calendar")
            if any(t.second or t.microsecond for t in period):
                raise ValueError(f"office period {_fmt(start)}–{_fmt(end)} must be on whole minutes")
            if start >= end:
                raise ValueError(f"office period {_fmt(start)}–{_fmt(end)} must start before it ends")
            if previous_end is not None and start < previous_end:
                raise ValueError(
                    f"office period {_fmt(start)}–{_fmt(end)} overlaps or precedes the period ending "
                    f"{_fmt(previous_end)}; periods must be sorted and must not overlap"
                )
            previous_end = end

    @property
    def opens(self) -> dt.time:
        return self.periods[0][0]

    @property
    def closes(self) -> dt.time:
        return self.periods[-1][1]

    @property
    def minutes_per_day(self) -> int:
        return sum((_offset(end) - _offset(start)) // _MINUTE for start, end in self.periods)


DEFAULT_OFFICE_HOURS = OfficeHours(
    periods=((dt.time(9, 0), dt.time(12, 0)), (dt.time(13, 30), dt.time(17, 30))),
)


def monday_to_friday(day: dt.date) -> bool:
    return day.weekday() < 5


def _require_aware(moment: dt.datetime, name: str) -> None:
    if not isinstance(moment, dt.datetime):
        raise TypeError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware; naive datetimes are ambiguous for deadlines")


def _require_count(value: int, name: str) -> None:
    # bool is an int subclass; `add_working_days(t, True)` is certainly a bug.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")


def clock_deadline(start: dt.datetime, minutes: int) -> dt.datetime:
    """Deadline in elapsed (clock) time, ignoring calendar and office hours — e.g. 紧急 tickets.

    Computed on absolute time so a DST change in the start's zone cannot stretch it; returned in
    the start's zone.
    """
    _require_aware(start, "start")
    _require_count(minutes, "minutes")
    return (start.astimezone(dt.UTC) + dt.timedelta(minutes=minutes)).astimezone(start.tzinfo)


class WorkingCalendar:
    """Working days (explicit days + fallback rule) × office hours, in one time zone. Immutable."""

    __slots__ = ("_day_total", "_days", "_fallback", "_hours", "_spans", "_tz")

    def __init__(
        self,
        days: Mapping[dt.date, bool] | None = None,
        *,
        fallback: Callable[[dt.date], bool] = monday_to_friday,
        office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
        tz: str | dt.tzinfo = DEFAULT_ZONE,
    ) -> None:
        self._days: Mapping[dt.date, bool] = MappingProxyType({d: bool(w) for d, w in (days or {}).items()})
        self._fallback = fallback
        self._hours = office_hours
        self._tz: dt.tzinfo = ZoneInfo(tz) if isinstance(tz, str) else tz
        self._spans = tuple((_offset(s), _offset(e)) for s, e in office_hours.periods)
        self._day_total = sum((e - s for s, e in self._spans), _ZERO)

    @property
    def office_hours(self) -> OfficeHours:
        return self._hours

    @property
    def tz(self) -> dt.tzinfo:
        return self._tz

    @property
    def days(self) -> Mapping[dt.date, bool]:
        return self._days

    def knows(self, day: dt.date) -> bool:
        """Whether `day` is explicitly on the calendar (not decided by the fallback rule)."""
        return day in self._days

    def is_workday(self, day: dt.date) -> bool:
        known = self._days.get(day)
        return self._fallback(day) if known is None else known

    def is_office_time(self, moment: dt.datetime) -> bool:
        day, offset = self._split(self._local(moment, "moment"))
        return self.is_workday(day) and any(s <= offset < e for s, e in self._spans)

    def roll_forward(self, moment: dt.datetime) -> dt.datetime:
        """The first instant at or after `moment` that is office time (period ends are not)."""
        return self.add_working_minutes(moment, 0)

    def add_working_minutes(self, start: dt.datetime, minutes: int) -> dt.datetime:
        """`start` plus `minutes` of office time, in the calendar's zone. O(days spanned)."""
        _require_count(minutes, "minutes")
        first, offset = self._split(self._local(start, "start"))
        remaining = dt.timedelta(minutes=minutes)
        for day in self._days_from(first):
            if not self.is_workday(day):
                offset = _ZERO
                continue
            if offset == _ZERO and remaining > self._day_total:
                # Strictly greater: a remainder equal to a full day must end at that day's close.
                remaining -= self._day_total
                continue
            for s, e in self._spans:
                if offset < e:
                    begin = max(offset, s)
                    if remaining <= e - begin:
                        return self._aware(day, begin + remaining)
                    remaining -= e - begin
            offset = _ZERO
        raise AssertionError("unreachable: _days_from raises before running out")  # pragma: no cover

    def working_time_between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        """Exact office time in [a, b); negative of the reverse when b < a."""
        _require_aware(a, "a")
        _require_aware(b, "b")
        if b < a:
            return -self.working_time_between(b, a)
        first, lo = self._split(self._local(a, "a"))
        last, hi = self._split(self._local(b, "b"))
        total = _ZERO
        day = first
        while day <= last:
            if self.is_workday(day):
                day_lo = lo if day == first else _ZERO
                day_hi = hi if day == last else _DAY
                if day_lo == _ZERO and day_hi == _DAY:
                    total += self._day_total
                else:
                    for s, e in self._spans:
                        total += max(_ZERO, min(e, day_hi) - max(s, day_lo))
            day += _DAY
        return total

    def working_minutes_between(self, a: dt.datetime, b: dt.datetime) -> int:
        """Whole minutes of office time in [a, b); `-working_minutes_between(b, a)` when b < a."""
        _require_aware(a, "a")
        _require_aware(b, "b")
        if b < a:
            return -self.working_minutes_between(b, a)
        return self.working_time_between(a, b) // _MINUTE

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """Deadline `days` working days after `start`; always exactly `days` full office days later.

        * Start within the office day of a working day (from opening to closing, lunch break
          included): the same clock time on the `days`-th following working day; a start in the
          lunch break counts from the afternoon opening (12:40 → 13:30).
        * Start outside the office day (before opening, after closing, non-working day): the day of
          the next opening counts as the first day, and the deadline is closing time of the
          `days`-th working day — Saturday, or Monday 08:00, + 1 working day → Monday 17:30.
        * `days == 0`: `roll_forward(start)`.
        """
        _require_count(days, "days")
        local = self._local(start, "start")
        rolled_day, rolled_offset = self._split(self._local(self.roll_forward(start), "start"))
        if days == 0:
            return self._aware(rolled_day, rolled_offset)
        day, offset = self._split(local)
        first_open, last_close = self._spans[0][0], self._spans[-1][1]
        if self.is_workday(day) and first_open <= offset < last_close:
            return self._aware(self._nth_workday(rolled_day, days), rolled_offset)
        return self._aware(self._nth_workday(rolled_day, days - 1), last_close)

    def end_of_working_day(self, moment: dt.datetime) -> dt.datetime:
        """Closing time of `moment`'s working day; of the next working day if already closed (or a day off).

        Exactly at closing time still belongs to that day (consistent with period ends above).
        """
        day, offset = self._split(self._local(moment, "moment"))
        last_close = self._spans[-1][1]
        if not (self.is_workday(day) and offset <= last_close):
            day = self._nth_workday(day, 1)
        return self._aware(day, last_close)

    def end_of_same_day(self, moment: dt.datetime) -> dt.datetime:
        """Closing time of `moment`'s day if it is a working day still open, else the last instant of
        that calendar day: work due "the same day" never moves to the next one."""
        day, offset = self._split(self._local(moment, "moment"))
        last_close = self._spans[-1][1]
        if self.is_workday(day) and offset < last_close:
            return self._aware(day, last_close)
        return self._aware(day, dt.timedelta(days=1) - dt.timedelta(seconds=1))

    # -- internals ---------------------------------------------------------------------------------

    def _local(self, moment: dt.datetime, name: str) -> dt.datetime:
        _require_aware(moment, name)
        return moment.astimezone(self._tz).replace(tzinfo=None)

    @staticmethod
    def _split(local: dt.datetime) -> tuple[dt.date, dt.timedelta]:
        day = local.date()
        return day, local - dt.datetime.combine(day, dt.time())

    def _aware(self, day: dt.date, offset: dt.timedelta) -> dt.datetime:
        return (dt.datetime.combine(day, dt.time()) + offset).replace(tzinfo=self._tz)

    def _days_from(self, day: dt.date) -> Iterator[dt.date]:
        """Consecutive days from `day`; raises after too many days off in a row."""
        idle = 0
        while True:
            yield day
            idle = 0 if self.is_workday(day) else idle + 1
            if idle > MAX_IDLE_DAYS:
                raise ValueError(f"no working day in the {MAX_IDLE_DAYS} days up to {day}; check the data")
            day += _DAY

    def _nth_workday(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after `day` (n == 0: `day` itself)."""
        if n == 0:
            return day
        for candidate in self._days_from(day + _DAY):
            if self.is_workday(candidate):
                n -= 1
                if n == 0:
                    return candidate
        raise AssertionError("unreachable: _days_from raises before running out")  # pragma: no cover
