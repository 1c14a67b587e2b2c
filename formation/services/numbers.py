"""文号: each union's documents carry a number from its own format and a per-year sequence."""

import datetime as dt

from formation.models import DocumentNumberSequence
from members.models import Union
from unionhub.lib import clock

DEFAULT_FORMAT = "{union}〔{year}〕{seq}号"


def document_number_format(fmt: str, *, union: Union, year: int, seq: int) -> str:
    """The number in the union's 文号格式 ({year}, {seq}, {union}; a format like {seq:03d} pads); a broken format
    falls back to the default so a document is never left without its number."""
    try:
        return (fmt or DEFAULT_FORMAT).format(year=year, seq=seq, union=union.name)
    except (KeyError, IndexError, ValueError):
        return DEFAULT_FORMAT.format(year=year, seq=seq, union=union.name)


def document_number_issue(*, union: Union, on: dt.date | None = None) -> str:
    """The next number of `union` for the year, inside the caller's transaction. The first number of a year makes
    its row (a concurrent first insert is absorbed by the unique constraint); the row lock then serialises."""
    year = (on or clock.today()).year
    DocumentNumberSequence.objects.bulk_create(
        [DocumentNumberSequence(union=union, year=year)], ignore_conflicts=True
    )
    sequence = DocumentNumberSequence.objects.select_for_update().get(union=union, year=year)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return document_number_format(union.doc_number_format, union=union, year=year, seq=sequence.last)
