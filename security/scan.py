"""Look for personal numbers in clear: every text value of every table, and log files.

A hit is a checksum-valid 18-character resident ID number or an 11-digit mainland mobile number. Hits are
reported masked, with where they were found, never in clear."""

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

from unionhub.lib import idnumber, phone

# Keyed hashes, API tokens and digests are long runs of hex digits: in them, digit runs are chance, not data.
HEX_RUN = re.compile(r"[0-9a-fA-F]{24,}")


# Columns of generated numbers that can look like a mobile number: a member number is the join year and a
# 7-digit sequence, so a member who joined in 1980-1999 has 198xxxxxxxx / 199xxxxxxxx. ID numbers are still sought.
NOT_PHONE_COLUMNS = frozenset({("members_membership", "member_no")})


@dataclass(frozen=True)
class Hit:
    where: str
    kind: str  # "id_number" or "phone"
    masked: str

    def __str__(self):
        return f"{self.where}: {self.kind} {self.masked}"


def _without_hex_runs(text: str) -> str:
    return HEX_RUN.sub(lambda m: " " if re.search(r"[a-fA-F]", m.group(0)) else m.group(0), text)


def find_in_text(text: str) -> Iterator[tuple[str, str]]:
    text = _without_hex_runs(text)
    for match in idnumber.CANDIDATE.finditer(text):
        if idnumber.is_valid(match.group(0)):
            yield "id_number", idnumber.mask(match.group(0))
    for match in phone.CANDIDATE.finditer(text):
        yield "phone", phone.mask(match.group(0))


def _as_text(value) -> str | None:
    if value is None or isinstance(value, bytes | bytearray | memoryview | bool | int | float):
        return None
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def scan_database(batch_size: int = 2000) -> Iterator[Hit]:
    """Every row of every table in the database (not only the models: third-party tables too)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    for table in sorted(tables):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 - a table name from introspection
            columns = [c[0] for c in cursor.description]
            while rows := cursor.fetchmany(batch_size):
                for row in rows:
                    for column, value in zip(columns, row, strict=True):
                        text = _as_text(value)
                        if text:
                            for kind, masked in find_in_text(text):
                                if kind == "phone" and (table, column) in NOT_PHONE_COLUMNS:
                                    continue
                                yield Hit(f"{table}.{column}", kind, masked)


def scan_files(paths: Iterable[Path]) -> Iterator[Hit]:
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, 1):
                for kind, masked in find_in_text(line):
                    yield Hit(f"{path}:{lineno}", kind, masked)
