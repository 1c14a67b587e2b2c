"""Thin tasks of the outbox (notifications.delivery): routed to the messages queue, the beats to default."""

from celery import shared_task
from django.conf import settings

from notifications import delivery
from notifications.models import OutboxMessage
from notifications.sms import SmsRateLimited


# Task names are kept from before the move so messages already queued are still run.
@shared_task(name="unionhub.tasks.outbox_deliver", bind=True, max_retries=None)
def outbox_deliver(self, message_id: int) -> str:
    """One message; a failed try is retried with exponential backoff (the row counts the tries and ends failed
    after OUTBOX_MAX_ATTEMPTS)."""
    try:
        return delivery.outbox_deliver(message_id=message_id)
    except SmsRateLimited as exc:  # the provider's rate is spent: later, without using up a try
        raise self.retry(exc=exc, countdown=1) from exc
    except Exception as exc:
        row = OutboxMessage.objects.filter(pk=message_id).values("status", "attempts").first()
        if not row or row["status"] != OutboxMessage.Status.QUEUED:
            return row["status"] if row else ""
        raise self.retry(exc=exc, countdown=delivery.retry_countdown(row["attempts"])) from exc


@shared_task(name="notifications.tasks.outbox_deliver_batch")
def outbox_deliver_batch(message_ids: list[int]) -> dict:
    return delivery.outbox_deliver_batch(
        message_ids=message_ids,
        retry=lambda pk, countdown: outbox_deliver.apply_async((pk,), countdown=countdown),
    )


def _enqueue_batches(ids: list[int]) -> int:
    # A batch the broker does not take stays queued: outbox_requeue_stale hands it over again later.
    for batch in delivery.batches(ids):
        outbox_deliver_batch.delay(batch)
    return len(ids)


@shared_task(name="unionhub.tasks.outbox_deliver_pending")
def outbox_deliver_pending() -> int:
    """Every minute: mark up to OUTBOX_QUEUE_LIMIT pending messages queued and enqueue them in batches."""
    return _enqueue_batches(delivery.outbox_queue_pending(limit=settings.OUTBOX_QUEUE_LIMIT))


@shared_task(name="notifications.tasks.outbox_requeue_stale")
def outbox_requeue_stale() -> int:
    """Every five minutes: queue again only the messages left queued (or sending) past OUTBOX_STALE_SECONDS."""
    return _enqueue_batches(delivery.outbox_stale_ids())
