"""Queueing Celery tasks after a commit without letting a broker outage fail the request.

What is queued here is also found again by a beat task (the outbox's pending messages, pending import jobs), so a
message that could not be queued is only delayed."""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

BROKER_ERRORS = (KombuOperationalError, RedisError, ConnectionError, TimeoutError, OSError)


def enqueue(task, *args) -> bool:
    """Queue the task now; False (logged) when the broker cannot be reached."""
    try:
        task.delay(*args)
    except BROKER_ERRORS as exc:
        log.warning(
            "broker unavailable (%s): %s not queued, the beat task will pick it up",
            type(exc).__name__,
            task.name,
        )
        return False
    return True


def enqueue_on_commit(task, *args) -> None:
    transaction.on_commit(lambda: enqueue(task, *args))
