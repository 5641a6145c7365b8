"""Seed the working-day calendar from the `chinese_calendar` package (国务院 holiday notices).

The package ships one year of data at a time (the State Council publishes each year's 放假安排 in
the preceding November or December) and raises `NotImplementedError` outside its range. We turn that
into `UnsupportedYearError` up front so the admin sees "enter year X by hand" instead of a crash
deep inside a deadline computation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import chinese_calendar
from chinese_calendar import Holiday

from dispatch.working_calendar import (
    DEFAULT_OFFICE_HOURS,
    DEFAULT_ZONE,
    OfficeHours,
    WorkingCalendar,
    monday_to_friday,
)

MAKEUP_WORKDAY = "调休上班"

HOLIDAY_NAMES_ZH: Mapping[str, str] = {
    Holiday.new_years_day.value: "元旦",
    Holiday.spring_festival.value: "春节",
    Holiday.tomb_sweeping_day.value: "清明节",
    Holiday.labour_day.value: "劳动节",
    Holiday.dragon_boat_festival.value: "端午节",
    Holiday.national_day.value: "国庆节",
    Holiday.mid_autumn_festival.value: "中秋节",
    Holiday.anti_fascist_70th_day.value: "抗战胜利70周年纪念日",
}

DayInfo = tuple[bool, str | None]


class UnsupportedYearError(ValueError):
    """The installed `chinese_calendar` has no holiday data for this year."""


def supported_years() -> range:
    """Years the installed `chinese_calendar` knows — the same bounds its own check uses."""
    known = chinese_calendar.holidays.keys()
    return range(min(known).year, max(known).year + 1)


def days_from_chinese_calendar(start: dt.date, end: dt.date) -> dict[dt.date, DayInfo]:
    """`{day: (is_workday, name)}` for every day in [start, end], both ends included.

    name: the holiday's Chinese name on days off that belong to a holiday (in-lieu days too),
    "调休上班" on make-up working days, None on ordinary weekdays and weekends.
    """
    if isinstance(start, dt.datetime) or isinstance(end, dt.datetime):
        raise TypeError("start and end must be dates, not datetimes")
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    years = supported_years()
    for year in (start.year, end.year):
        if year not in years:
            raise UnsupportedYearError(
                f"chinese_calendar {chinese_calendar.__version__} has no holiday data for {year} "
                f"(it knows {years.start}–{years.stop - 1}); enter that year's holidays and 调休 days "
                "by hand, or upgrade the chinesecalendar package"
            )
    days: dict[dt.date, DayInfo] = {}
    day = start
    while day <= end:
        days[day] = _day_info(day)
        day += dt.timedelta(days=1)
    return days


def _day_info(day: dt.date) -> DayInfo:
    workday = chinese_calendar.is_workday(day)
    _, english = chinese_calendar.get_holiday_detail(day)
    if english is None:
        return workday, None
    if workday:
        return True, MAKEUP_WORKDAY
    # A holiday added by a newer package version keeps its English name rather than breaking intake.
    return False, HOLIDAY_NAMES_ZH.get(english, english)


def calendar_from_days(
    days: Mapping[dt.date, bool] | Mapping[dt.date, DayInfo],
    office_hours: OfficeHours = DEFAULT_OFFICE_HOURS,
    *,
    fallback: Callable[[dt.date], bool] = monday_to_friday,
    tz: str | dt.tzinfo = DEFAULT_ZONE,
) -> WorkingCalendar:
    """A `WorkingCalendar` from `{day: is_workday}` or straight from `days_from_chinese_calendar`."""
    flags = {day: value[0] if isinstance(value, tuple) else value for day, value in days.items()}
    return WorkingCalendar(flags, fallback=fallback, office_hours=office_hours, tz=tz)
