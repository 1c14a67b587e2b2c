import datetime as dt
import logging

import pytest

from casework.models import WorkdayOverride
from casework.selectors import due_date
from unionhub.lib import workdays


def test_three_working_days_across_national_day():
    # 2025: 1–8 October off; Sunday 28 September and Saturday 11 October are adjusted working days
    assert workdays.add_workdays(dt.date(2025, 9, 30), 3) == dt.date(2025, 10, 11)
    assert workdays.add_workdays(dt.date(2025, 9, 26), 3) == dt.date(2025, 9, 30)  # Sat 27 off, Sun 28 worked


def test_three_working_days_across_spring_festival():
    # 2026: 15–23 February off; Saturday 14 February is an adjusted working day
    assert workdays.add_workdays(dt.date(2026, 2, 13), 3) == dt.date(2026, 2, 25)
    assert workdays.add_workdays(dt.date(2026, 2, 14), 1) == dt.date(2026, 2, 24)


def test_beyond_calendar_range_falls_back_to_weekdays_with_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="unionhub.lib.workdays"):
        workdays._warned_years.discard(2031)
        assert workdays.add_workdays(dt.date(2031, 1, 3), 3) == dt.date(2031, 1, 8)  # Fri → Wed
    assert "2031" in caplog.text


@pytest.mark.django_db
def test_admin_overrides_take_precedence():
    WorkdayOverride.objects.create(day=dt.date(2025, 4, 16), is_workday=False, note="临时停工")
    WorkdayOverride.objects.create(day=dt.date(2025, 4, 19), is_workday=True, note="调休上班")
    # Tue 15 → Thu 17, Fri 18, Sat 19 (overridden working day); Wed 16 overridden off
    assert due_date(dt.date(2025, 4, 15), 3) == dt.date(2025, 4, 19)


def test_workdays_between():
    assert workdays.workdays_between(dt.date(2025, 9, 30), dt.date(2025, 10, 11)) == 3
