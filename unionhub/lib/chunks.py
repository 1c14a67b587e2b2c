"""Large reads in chunks by a unique key (keyset pagination): memory stays bounded, and no server-side cursor is
held open, so it works the same behind PgBouncer in transaction pooling and inside or outside a transaction."""

from collections.abc import Iterator


def key_chunks(queryset, *, key: str = "pk", size: int = 5000) -> Iterator[list]:
    """Yield lists of at most `size` rows of the queryset in ascending order of `key` (a unique column), each chunk
    one query `WHERE key > last ORDER BY key LIMIT size`.

    The queryset may be of models, .values() or .values_list(); for values()/values_list() the key must be among the
    selected fields (for values_list the first one)."""
    queryset = queryset.order_by(key)
    fields = getattr(queryset.query, "values_select", ()) or ()
    last = None
    while True:
        page = queryset if last is None else queryset.filter(**{f"{key}__gt": last})
        rows = list(page[:size])
        if not rows:
            return
        yield rows
        if len(rows) < size:
            return
        last = _key_of(rows[-1], key, fields)


def key_rows(queryset, *, key: str = "pk", size: int = 5000) -> Iterator:
    for chunk in key_chunks(queryset, key=key, size=size):
        yield from chunk


def _key_of(row, key: str, fields):
    if isinstance(row, dict):
        return row[key]
    if isinstance(row, tuple):
        if fields and key in fields:
            return row[fields.index(key)]
        return row[0]
    return getattr(row, "pk" if key in ("pk", "id") else key)
