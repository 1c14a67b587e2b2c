"""Reads that may go to a read replica: the statistics and the exports, and only inside `replica_reads()`.

Everything else - every write, and every read outside that block, so a read after a write - goes to the primary.
Without a `replica` database alias (DATABASE_REPLICA_URL unset) or with UNIONHUB_READ_REPLICA off the block
changes nothing."""

import contextlib
import contextvars

from django.conf import settings

_reading = contextvars.ContextVar("unionhub_replica_reads", default=False)


def replica_alias() -> str:
    return "replica" if settings.UNIONHUB_READ_REPLICA and "replica" in settings.DATABASES else "default"


@contextlib.contextmanager
def replica_reads():
    """Route the reads in this block to the replica (when there is one)."""
    token = _reading.set(True)
    try:
        yield replica_alias()
    finally:
        _reading.reset(token)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reading.get() and replica_alias() == "replica":
            return "replica"
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, copied

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
