"""Month arithmetic. A month is the date of its first day; ranges are half-open [start, end)."""

import datetime as dt


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + (month.month - 1) + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(start: dt.date, end: dt.date) -> int:
    """Number of months in [start, end)."""
    return (end.year - start.year) * 12 + (end.month - start.month)


def month_range(start: dt.date, end: dt.date) -> list[dt.date]:
    """Months in [start, end)."""
    return [add_months(start, i) for i in range(max(0, months_between(start, end)))]


def format_month(month: dt.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def parse_month(text: str) -> dt.date:
    year, month = text.split("-")
    return dt.date(int(year), int(month), 1)


def month_name(number: int) -> str:
    """A month as the reader's language names it: "4月" in Chinese, "April" in English (Django's month names)."""
    from django.utils.dates import MONTHS
    from django.utils.translation import get_language

    if (get_language() or "zh-hans").startswith("zh"):
        return f"{int(number)}月"
    return str(MONTHS[int(number)])
