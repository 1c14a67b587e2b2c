"""Notifications through the outbox: in-site always, SMS and e-mail queued for delivery by Celery."""

from django.db import IntegrityError, transaction

from notifications import wechat_subscribe
from notifications.models import OutboxMessage
from notifications.tasks import outbox_deliver
from unionhub.lib import clock
from unionhub.lib.queueing import enqueue_on_commit


def notify(
    *,
    recipient,
    template: str,
    subject: str,
    body: str,
    dedupe_key: str,
    channels: tuple[str, ...] = ("inbox", "sms"),
) -> list[OutboxMessage]:
    """Queue one message per channel (and as a WeChat subscribe message where that is configured and the member
    is bound); the same dedupe_key never queues twice."""
    channels = wechat_subscribe.subscribe_channels(channels=channels, template=template, recipient=recipient)
    created = []
    for channel in channels:
        key = f"{dedupe_key}:{channel}"
        try:
            with transaction.atomic():
                message = OutboxMessage.objects.create(
                    recipient=recipient,
                    channel=channel,
                    template=template,
                    subject=subject,
                    body=body,
                    dedupe_key=key,
                    status=OutboxMessage.Status.SENT if channel == "inbox" else OutboxMessage.Status.PENDING,
                    sent_at=clock.now() if channel == "inbox" else None,
                )
        except IntegrityError:
            continue
        created.append(message)
        if channel != "inbox":
            enqueue_on_commit(outbox_deliver, message.pk)  # a broker outage delays it: outbox_deliver_pending
    return created


def notify_many(items: list[dict], *, channels: tuple[str, ...] = ("inbox", "sms")) -> int:
    """Queue many messages in bulk (sweeps): each item has recipient_id, template, subject, body, dedupe_key.

    Same dedupe keys as notify(), so a message already queued is skipped. In-site messages are delivered at
    once; SMS and e-mail stay pending for the outbox_deliver_pending beat task. Returns how many were new."""
    now = clock.now()
    new = 0
    for start in range(0, len(items), 5000):
        batch = items[start : start + 5000]
        existing = set(
            OutboxMessage.objects.filter(
                dedupe_key__in=[f"{item['dedupe_key']}:{channels[0]}" for item in batch]
            ).values_list("dedupe_key", flat=True)
        )
        rows = []
        subscribed = (
            wechat_subscribe.subscribed_recipients(
                {i["recipient_id"] for i in batch if wechat_subscribe.subscribe_template(i["template"])}
            )
            if "sms" in channels
            else set()
        )
        for item in batch:
            if f"{item['dedupe_key']}:{channels[0]}" in existing:
                continue
            new += 1
            extra = (
                (wechat_subscribe.CHANNEL,)
                if item["recipient_id"] in subscribed
                and wechat_subscribe.subscribe_template(item["template"])
                else ()
            )
            for channel in (*channels, *extra):
                inbox = channel == OutboxMessage.Channel.INBOX
                rows.append(
                    OutboxMessage(
                        recipient_id=item["recipient_id"],
                        channel=channel,
                        template=item["template"],
                        subject=item["subject"],
                        body=item["body"],
                        dedupe_key=f"{item['dedupe_key']}:{channel}",
                        status=OutboxMessage.Status.SENT if inbox else OutboxMessage.Status.PENDING,
                        sent_at=now if inbox else None,
                    )
                )
        OutboxMessage.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    return new
