import datetime as dt

import pytest

from applications.tasks import application_overdue_remind
from notifications.models import OutboxMessage
from tests.applications.conftest import submit

pytestmark = pytest.mark.django_db


def test_overdue_remind_task_is_idempotent_for_the_business_day(city, applicant, today):
    today("2025-04-14")
    submit(applicant, union=city.branch)
    today("2025-04-18")
    assert application_overdue_remind() == 2
    assert application_overdue_remind() == 0
    assert OutboxMessage.objects.filter(template="join_overdue", channel="inbox").count() == 1
    assert dt.date(2025, 4, 18).isoformat() in OutboxMessage.objects.get(channel="inbox").dedupe_key
