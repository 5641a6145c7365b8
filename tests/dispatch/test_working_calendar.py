"""The SLA clock on the real 2025–2026 State Council calendar (via chinese_calendar).

2026 春节: off Sun 02-15 … Mon 02-23; 调休上班 Sat 02-14 and Sat 02-28.
2026 中秋 Fri 09-25 … Sun 09-27; 国庆 Thu 10-01 … Wed 10-07; 调休上班 Sun 09-20 and Sat 10-10.
2025 春节: off Tue 01-28 … Tue 02-04; 调休上班 Sun 01-26 and Sat 02-08.
2025 国庆+中秋: off Wed 10-01 … Wed 10-08; 调休上班 Sun 09-28 and Sat 10-11.
"""

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.holiday_calendar import (
    HOLIDAY_NAMES_ZH,
    UnsupportedYearError,
    calendar_from_days,
    days_from_chinese_calendar,
    supported_years,
)
from dispatch.working_calendar import (
    DEFAULT_OFFICE_HOURS,
    OfficeHours,
    WorkingCalendar,
    clock_deadline,
)

SH = ZoneInfo("Asia/Shanghai")
DAY_MINUTES = DEFAULT_OFFICE_HOURS.minutes_per_day  # 420
CAL = calendar_from_days(days_from_chinese_calendar(dt.date(2025, 1, 1), dt.date(2026, 12, 31)))


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=SH)


# -- holiday data ---------------------------------------------------------------------------------


def test_2026_spring_festival_and_national_day_days():
    days = days_from_chinese_calendar(dt.date(2026, 2, 13), dt.date(2026, 3, 1))
    assert days[dt.date(2026, 2, 13)] == (True, None)
    assert days[dt.date(2026, 2, 14)] == (True, "调休上班")
    assert all(days[dt.date(2026, 2, d)] == (False, "春节") for d in range(15, 24))
    assert days[dt.date(2026, 2, 24)] == (True, None)
    assert days[dt.date(2026, 2, 28)] == (True, "调休上班")
    assert days[dt.date(2026, 3, 1)] == (False, None)  # an ordinary Sunday
    autumn = days_from_chinese_calendar(dt.date(2026, 9, 20), dt.date(2026, 10, 10))
    assert autumn[dt.date(2026, 9, 20)] == (True, "调休上班")
    assert autumn[dt.date(2026, 9, 25)] == (False, "中秋节")
    assert all(autumn[dt.date(2026, 10, d)] == (False, "国庆节") for d in range(1, 8))
    assert autumn[dt.date(2026, 10, 8)] == (True, None)
    assert autumn[dt.date(2026, 10, 10)] == (True, "调休上班")


def test_other_holiday_names_are_chinese():
    days = days_from_chinese_calendar(dt.date(2025, 1, 1), dt.date(2026, 12, 31))
    assert days[dt.date(2026, 1, 1)] == (False, "元旦")
    assert days[dt.date(2026, 4, 5)] == (False, "清明节")
    assert days[dt.date(2026, 5, 1)] == (False, "劳动节")
    assert days[dt.date(2026, 6, 19)] == (False, "端午节")
    assert days[dt.date(2025, 10, 6)] == (False, "中秋节")  # inside 2025's 国庆 week
    assert {name for _, name in days.values()} <= {*HOLIDAY_NAMES_ZH.values(), "调休上班", None}


def test_every_package_holiday_has_a_chinese_name():
    from chinese_calendar import Holiday

    assert {h.value for h in Holiday} <= HOLIDAY_NAMES_ZH.keys()


def test_unsupported_years_raise_a_clear_error():
    years = supported_years()
    assert 2025 in years and 2026 in years and 2003 not in years
    with pytest.raises(UnsupportedYearError, match=rf"no holiday data for {years.stop}.*by hand"):
        days_from_chinese_calendar(dt.date(years.stop - 1, 12, 1), dt.date(years.stop, 1, 31))
    with pytest.raises(ValueError, match="before start"):
        days_from_chinese_calendar(dt.date(2026, 2, 1), dt.date(2026, 1, 1))


def test_calendar_from_days_accepts_plain_flags_and_falls_back_to_weekdays():
    cal = calendar_from_days({dt.date(2026, 2, 14): True, dt.date(2026, 2, 16): False})
    assert cal.is_workday(dt.date(2026, 2, 14))  # Saturday, make-up day
    assert not cal.is_workday(dt.date(2026, 2, 16))  # Monday, holiday
    assert cal.is_workday(dt.date(2027, 3, 1)) and not cal.is_workday(dt.date(2027, 3, 6))
    assert cal.knows(dt.date(2026, 2, 14)) and not cal.knows(dt.date(2027, 3, 1))


# -- hand-checked deadlines -----------------------------------------------------------------------


def test_one_working_day_from_friday_before_spring_festival():
    friday = at(2026, 2, 13, 10)
    assert CAL.add_working_days(friday, 1) == at(2026, 2, 14, 10)  # make-up Saturday counts
    assert CAL.add_working_days(friday, 2) == at(2026, 2, 24, 10)  # first day after 春节
    assert CAL.add_working_days(at(2026, 2, 14, 10), 1) == at(2026, 2, 24, 10)
    assert CAL.working_minutes_between(at(2026, 2, 13, 9), at(2026, 2, 24, 9)) == 2 * DAY_MINUTES


def test_2025_spring_festival_make_up_sunday():
    friday = at(2025, 1, 24, 10)
    assert CAL.add_working_days(friday, 1) == at(2025, 1, 26, 10)  # Sunday 调休上班
    assert CAL.add_working_days(friday, 2) == at(2025, 1, 27, 10)
    assert CAL.add_working_days(friday, 3) == at(2025, 2, 5, 10)


def test_two_working_hours_from_16_00():
    # 16:00–17:30 uses 90 minutes, the remaining 30 start at the next opening.
    assert CAL.add_working_minutes(at(2026, 3, 3, 16), 120) == at(2026, 3, 4, 9, 30)
    assert CAL.add_working_minutes(at(2026, 3, 3, 16), 180) == at(2026, 3, 4, 10, 30)
    # ... across the lunch break: 11:00–12:00 and 13:30–14:30.
    assert CAL.add_working_minutes(at(2026, 3, 3, 11), 120) == at(2026, 3, 3, 14, 30)
    # ... and across 春节 from the last make-up Saturday.
    assert CAL.add_working_minutes(at(2026, 2, 14, 16), 120) == at(2026, 2, 24, 9, 30)


def test_national_day_2026():
    assert CAL.is_workday(dt.date(2026, 9, 20))  # Sunday 调休上班
    assert not CAL.is_workday(dt.date(2026, 9, 25))  # 中秋
    assert CAL.add_working_minutes(at(2026, 9, 30, 17), 60) == at(2026, 10, 8, 9, 30)
    assert CAL.add_working_days(at(2026, 9, 30, 10), 2) == at(2026, 10, 9, 10)
    assert CAL.add_working_days(at(2026, 9, 30, 10), 3) == at(2026, 10, 10, 10)  # Saturday 调休上班


def test_national_day_2025():
    assert CAL.add_working_minutes(at(2025, 9, 30, 16), 120) == at(2025, 10, 9, 9, 30)
    assert CAL.add_working_days(at(2025, 9, 28, 15), 1) == at(2025, 9, 29, 15)  # from a make-up Sunday


def test_start_on_a_holiday_rolls_to_next_opening():
    holiday = at(2026, 2, 18, 11)
    assert not CAL.is_office_time(holiday)
    assert CAL.roll_forward(holiday) == at(2026, 2, 24, 9)
    assert CAL.add_working_minutes(holiday, 0) == at(2026, 2, 24, 9)
    assert CAL.add_working_minutes(holiday, 60) == at(2026, 2, 24, 10)
    assert CAL.add_working_days(holiday, 1) == at(2026, 2, 24, 17, 30)
    assert CAL.working_minutes_between(holiday, at(2026, 2, 24, 10)) == 60


def test_used_up_at_period_end_returns_that_end():
    assert CAL.add_working_minutes(at(2026, 3, 3, 11), 60) == at(2026, 3, 3, 12)
    assert CAL.add_working_minutes(at(2026, 3, 3, 9), DAY_MINUTES) == at(2026, 3, 3, 17, 30)
    assert CAL.add_working_minutes(at(2026, 3, 3, 17, 30), 0) == at(2026, 3, 4, 9)  # an end is no start


def test_add_working_days_rules():
    # 2026-03-03 is a Tuesday, 03-07 a Saturday.
    assert CAL.add_working_days(at(2026, 3, 3, 9), 1) == at(2026, 3, 4, 9)  # same clock time
    assert CAL.add_working_days(at(2026, 3, 3, 12, 40), 1) == at(2026, 3, 4, 13, 30)  # lunch → 13:30
    assert CAL.add_working_days(at(2026, 3, 3, 8), 1) == at(2026, 3, 3, 17, 30)  # before opening
    assert CAL.add_working_days(at(2026, 3, 3, 18), 1) == at(2026, 3, 4, 17, 30)  # after closing
    assert CAL.add_working_days(at(2026, 3, 7, 10), 2) == at(2026, 3, 10, 17, 30)  # Saturday
    assert CAL.add_working_days(at(2026, 3, 3, 18), 0) == at(2026, 3, 4, 9)
    assert CAL.add_working_days(at(2026, 3, 3, 10), 15) == at(2026, 3, 24, 10)


def test_end_of_working_day():
    assert CAL.end_of_working_day(at(2026, 3, 3, 8)) == at(2026, 3, 3, 17, 30)
    assert CAL.end_of_working_day(at(2026, 3, 3, 17, 30)) == at(2026, 3, 3, 17, 30)
    assert CAL.end_of_working_day(at(2026, 3, 3, 17, 31)) == at(2026, 3, 4, 17, 30)
    assert CAL.end_of_working_day(at(2026, 2, 13, 18)) == at(2026, 2, 14, 17, 30)
    assert CAL.end_of_working_day(at(2026, 2, 15, 10)) == at(2026, 2, 24, 17, 30)


def test_other_zones_in_calendar_zone_out():
    utc_start = dt.datetime(2026, 3, 3, 8, 0, tzinfo=dt.UTC)  # 16:00 in Shanghai
    result = CAL.add_working_minutes(utc_start, 120)
    assert result == at(2026, 3, 4, 9, 30) and result.tzinfo == SH


def test_reversed_interval_is_negative():
    a, b = at(2026, 3, 3, 10), at(2026, 3, 4, 10)
    assert CAL.working_minutes_between(a, b) == DAY_MINUTES
    assert CAL.working_minutes_between(b, a) == -DAY_MINUTES


def test_partial_minutes_are_dropped():
    a = at(2026, 3, 3, 10)
    assert CAL.working_minutes_between(a, a + dt.timedelta(seconds=119)) == 1
    assert CAL.working_time_between(a, a + dt.timedelta(seconds=119)) == dt.timedelta(seconds=119)


def test_clock_deadline_ignores_calendar():
    assert clock_deadline(at(2026, 2, 16, 23), 120) == at(2026, 2, 17, 1)


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.add_working_minutes(dt.datetime(2026, 3, 3, 10), 5),
        lambda: CAL.add_working_days(dt.datetime(2026, 3, 3, 10), 1),
        lambda: CAL.working_minutes_between(dt.datetime(2026, 3, 3, 10), at(2026, 3, 3, 11)),
        lambda: CAL.end_of_working_day(dt.datetime(2026, 3, 3, 10)),
        lambda: clock_deadline(dt.datetime(2026, 3, 3, 10), 5),
    ],
)
def test_naive_datetimes_are_refused(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


def test_bad_counts_are_refused():
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_minutes(at(2026, 3, 3, 10), -1)
    with pytest.raises(TypeError):
        CAL.add_working_days(at(2026, 3, 3, 10), 1.5)  # type: ignore[arg-type]


def test_calendar_without_working_days_fails_loudly():
    never = WorkingCalendar(fallback=lambda _day: False)
    with pytest.raises(ValueError, match="no working day"):
        never.add_working_minutes(at(2026, 3, 3, 10), 1)


# -- office hours ---------------------------------------------------------------------------------


def test_default_office_hours():
    assert DEFAULT_OFFICE_HOURS.minutes_per_day == 420
    assert DEFAULT_OFFICE_HOURS.opens == dt.time(9) and DEFAULT_OFFICE_HOURS.closes == dt.time(17, 30)


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        ((), "at least one"),
        (((dt.time(12), dt.time(9)),), "must start before it ends"),
        (((dt.time(9), dt.time(9)),), "must start before it ends"),
        (((dt.time(13), dt.time(17)), (dt.time(9), dt.time(12))), "sorted"),
        (((dt.time(9), dt.time(12)), (dt.time(11), dt.time(17))), "overlap"),
        (((dt.time(9, 0, 30), dt.time(12)),), "whole minutes"),
        (((dt.time(9, tzinfo=SH), dt.time(12, tzinfo=SH)),), "wall-clock"),
    ],
)
def test_invalid_office_hours(periods, message):
    with pytest.raises(ValueError, match=message):
        OfficeHours(periods)


def test_custom_office_hours_and_zone():
    hours = OfficeHours(((dt.time(8, 30), dt.time(12)), (dt.time(14), dt.time(18))))
    cal = WorkingCalendar(office_hours=hours, tz="UTC")
    start = dt.datetime(2026, 3, 3, 17, 0, tzinfo=dt.UTC)
    assert cal.add_working_minutes(start, 90) == dt.datetime(2026, 3, 4, 9, 0, tzinfo=ZoneInfo("UTC"))


# -- speed ----------------------------------------------------------------------------------------


def test_a_year_is_fast():
    a, b = at(2025, 1, 1), at(2025, 12, 31, 23)
    assert CAL.working_minutes_between(a, b) == 248 * DAY_MINUTES  # 2025: 248 working days
    for call in (
        lambda: CAL.working_minutes_between(a, b),
        lambda: CAL.add_working_minutes(a, 248 * DAY_MINUTES),
        lambda: CAL.add_working_days(a, 248),
    ):
        best = min(_seconds(call) for _ in range(5))
        assert best < 0.005


def _seconds(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


# -- properties -----------------------------------------------------------------------------------

# Minute-precision starts across 2025–2026, in Shanghai or UTC (conversion must not matter).
starts = st.builds(
    lambda day, minute, zone: (
        dt.datetime.combine(day, dt.time(), SH).astimezone(zone) + dt.timedelta(minutes=minute)
    ),
    st.dates(dt.date(2025, 1, 1), dt.date(2026, 12, 20)),
    st.integers(0, 24 * 60 - 1),
    st.sampled_from([SH, dt.UTC]),
)
work_minutes = st.integers(0, 30 * DAY_MINUTES)
PROPS = settings(max_examples=150, deadline=None)


def _period_of(moment: dt.datetime) -> tuple[dt.time, dt.time] | None:
    local = moment.astimezone(SH)
    clock = local.time()
    for start, end in DEFAULT_OFFICE_HOURS.periods:
        if start <= clock <= end:
            return start, end
    return None


@PROPS
@given(starts, work_minutes)
def test_round_trip(start, minutes):
    end = CAL.add_working_minutes(start, minutes)
    assert end >= start
    assert CAL.working_minutes_between(start, end) == minutes


@PROPS
@given(starts, work_minutes, work_minutes)
def test_monotonic_in_minutes(start, m1, m2):
    lo, hi = sorted((m1, m2))
    assert CAL.add_working_minutes(start, lo) <= CAL.add_working_minutes(start, hi)


@PROPS
@given(starts, work_minutes)
def test_result_is_office_time_or_a_period_end(start, minutes):
    end = CAL.add_working_minutes(start, minutes)
    assert end.tzinfo == SH and end.second == 0
    assert CAL.is_workday(end.date())
    period = _period_of(end)
    assert period is not None
    if minutes == 0:
        assert CAL.is_office_time(end)
    else:
        assert period[0] < end.time() <= period[1]


@PROPS
@given(starts, starts, starts)
def test_between_is_additive(x, y, z):
    a, b, c = sorted((x, y, z))
    assert CAL.working_minutes_between(a, c) == CAL.working_minutes_between(
        a, b
    ) + CAL.working_minutes_between(b, c)
    assert CAL.working_minutes_between(c, a) == -CAL.working_minutes_between(a, c)


@PROPS
@given(starts, st.integers(0, 40))
def test_add_working_days_adds_whole_office_days(start, days):
    end = CAL.add_working_days(start, days)
    assert CAL.working_minutes_between(start, end) == days * DAY_MINUTES
    assert CAL.is_workday(end.date()) and _period_of(end) is not None
