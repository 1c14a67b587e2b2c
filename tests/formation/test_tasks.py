import datetime as dt

import pytest

from formation import tasks
from members.models import Union
from notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_daily_term_task_reminds_by_the_business_date_once(city, today):
    Union.objects.filter(pk=city.other.pk).update(term_started_on=dt.date(2021, 7, 1), term_years=5)
    today("2026-06-05")  # 26 days left: the 30-day reminder
    assert tasks.term_renewal_remind() == 1
    tasks.term_renewal_remind()
    sent = OutboxMessage.objects.filter(template="term_due_30", channel="inbox")
    assert sorted(sent.values_list("recipient__union__name", flat=True)) == ["丙厂工会", "乙区总工会"]
