"""The business date (SPEC §7). Every rule asks here; SQL never decides what "today" is."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    fixed = getattr(settings, "UNIONHUB_TODAY", None)
    if fixed:
        return dt.date.fromisoformat(fixed)
    return timezone.now().astimezone(SHANGHAI).date()


def now() -> dt.datetime:
    """An aware datetime on the business date: the real time of day, moved to the business date when fixed."""
    real = timezone.now().astimezone(SHANGHAI)
    fixed = getattr(settings, "UNIONHUB_TODAY", None)
    if fixed:
        day = dt.date.fromisoformat(fixed)
        return real.replace(year=day.year, month=day.month, day=day.day)
    return real
