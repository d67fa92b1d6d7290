"""Working days (工作日) for deadlines: Chinese public holidays and make-up working days from the
chinesecalendar library, overridden by the days staff enter (CalendarDay); for years neither
knows, Monday to Friday."""

from datetime import date, datetime, time, timedelta

import chinese_calendar
from django.utils import timezone

from .models import CalendarDay


def _overrides(start: date, end: date) -> dict[date, bool]:
    return dict(CalendarDay.objects.filter(date__range=(start, end))
                .values_list("date", "is_workday"))


def _library_workday(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def is_workday(day: date) -> bool:
    override = _overrides(day, day).get(day)
    return _library_workday(day) if override is None else override


def add_workdays(start: date, count: int) -> date:
    """The date `count` working days after `start` (start itself not counted)."""
    if count < 0:
        raise ValueError("count must not be negative")
    overrides = _overrides(start, start + timedelta(days=count * 3 + 30))
    day, left = start, count
    while left:
        day += timedelta(days=1)
        workday = overrides.get(day)
        if workday is None:
            workday = _library_workday(day)
        if workday:
            left -= 1
    return day


def deadline_after(moment: datetime, workdays: int) -> datetime:
    """End of the `workdays`-th working day after `moment`, in the district's time zone."""
    local = timezone.localtime(moment)
    last = add_workdays(local.date(), workdays)
    return timezone.make_aware(datetime.combine(last, time(23, 59, 59)))


def workdays_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 if end <= start)."""
    if end <= start:
        return 0
    overrides = _overrides(start, end)
    total, day = 0, start
    while day < end:
        day += timedelta(days=1)
        workday = overrides.get(day)
        if workday is None:
            workday = _library_workday(day)
        total += workday
    return total
