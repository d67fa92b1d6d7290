from datetime import date, datetime

from django.utils import timezone

from yishi.core.models import CalendarDay
from yishi.core.workdays import add_workdays, deadline_after, is_workday, workdays_between


def test_national_day_holiday_and_make_up_days(db):
    # 2026: 1–7 October off (the library also knows the make-up Saturday, 10 October).
    assert not is_workday(date(2026, 10, 1))
    assert is_workday(date(2026, 10, 10))
    # Two working days after Wednesday 30 September 2026: Thursday 8th and Friday 9th.
    assert add_workdays(date(2026, 9, 30), 2) == date(2026, 10, 9)


def test_weekends_are_not_counted(db):
    assert add_workdays(date(2026, 11, 27), 1) == date(2026, 11, 30)  # Friday → Monday
    assert workdays_between(date(2026, 11, 27), date(2026, 11, 30)) == 1


def test_staff_overrides_win_and_unknown_years_use_weekdays(db):
    assert is_workday(date(2027, 1, 1))  # a Friday; the library has no 2027 data
    CalendarDay.objects.create(date=date(2027, 1, 1), is_workday=False, name="元旦")
    assert not is_workday(date(2027, 1, 1))
    assert add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_deadline_is_end_of_day_in_shanghai(db):
    moment = timezone.make_aware(datetime(2026, 11, 26, 10, 0))
    deadline = timezone.localtime(deadline_after(moment, 2))
    assert (deadline.date(), deadline.hour, deadline.minute) == (date(2026, 11, 30), 23, 59)
