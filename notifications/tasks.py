from celery import shared_task

from notifications import delivery
from notifications.models import OutboxMessage
from notifications.sms import SmsRateLimited


# Task names are kept from before the move so messages already queued are still run.
@shared_task(
    name="unionhub.tasks.outbox_deliver",
    bind=True,
    autoretry_for=(Exception,),
    retry_backoff=30,
    max_retries=5,
)
def outbox_deliver(self, message_id: int) -> None:
    try:
        delivery.outbox_deliver(message_id=message_id)
    except SmsRateLimited as exc:  # the provider's rate is spent: later, without using up a retry
        raise self.retry(exc=exc, countdown=2, max_retries=None) from exc


@shared_task(name="unionhub.tasks.outbox_deliver_pending")
def outbox_deliver_pending() -> int:
    ids = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
        .exclude(channel=OutboxMessage.Channel.INBOX)
        .values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        outbox_deliver.delay(pk)
    return len(ids)
