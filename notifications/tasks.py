from celery import shared_task

from unionhub import notify
from unionhub.models import OutboxMessage


@shared_task(bind=True, autoretry_for=(Exception,), retry_backoff=30, max_retries=5)
def outbox_deliver(self, message_id: int) -> None:
    notify.outbox_deliver(message_id=message_id)


@shared_task
def outbox_deliver_pending() -> int:
    ids = list(OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
               .exclude(channel=OutboxMessage.Channel.INBOX).values_list("pk", flat=True)[:500])
    for pk in ids:
        outbox_deliver.delay(pk)
    return len(ids)
