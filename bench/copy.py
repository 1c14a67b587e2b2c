"""Bulk loading for the generated city: PostgreSQL COPY when available, batched inserts otherwise."""

import datetime as dt
import io

from django.db import connection


def _text(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def copy_rows(table: str, columns: list[str], rows) -> int:
    """Load rows (iterables of values) into table. Returns the count."""
    count = 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
                buffer = io.StringIO()
                for row in rows:
                    buffer.write("\t".join(_text(v) for v in row))
                    buffer.write("\n")
                    count += 1
                    if count % 20000 == 0:
                        copy.write(buffer.getvalue())
                        buffer = io.StringIO()
                copy.write(buffer.getvalue())
        return count
    batch = []
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({placeholders})'  # noqa: S608
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(list(row))
            count += 1
            if len(batch) >= 5000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
    return count


def next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"')  # noqa: S608
        return cursor.fetchone()[0]


def reset_sequence(table: str) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), COALESCE(MAX(id), 1)) FROM \"{table}\""  # noqa: S608
        )
