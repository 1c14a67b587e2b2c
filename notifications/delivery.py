"""Delivery of one outbox message through the configured SMS backend or Django's e-mail backend."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils.module_loading import import_string

from notifications.models import OutboxMessage
from unionhub.lib import clock
from unionhub.lib import phone as phones

log = logging.getLogger(__name__)


class ConsoleSmsBackend:
    """Writes the SMS to the log with the number masked."""

    def send(self, *, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", phones.mask(phone), text)


def outbox_deliver(*, message_id: int) -> None:
    """Send one pending message. Idempotent: a sent message is never sent again."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=OutboxMessage.Status.PENDING)
            .first()
        )
        if message is None:
            return
        message.attempts += 1
        try:
            _send(message)
        except Exception as exc:
            message.last_error = type(exc).__name__
            if message.attempts >= 5:
                message.status = OutboxMessage.Status.FAILED
            message.save(update_fields=["attempts", "last_error", "status"])
            raise
        message.status = OutboxMessage.Status.SENT
        message.sent_at = clock.now()
        message.save(update_fields=["attempts", "status", "sent_at", "last_error"])


def _send(message: OutboxMessage) -> None:
    person = getattr(message.recipient, "person", None)
    if message.channel == OutboxMessage.Channel.SMS:
        number = person.phone if person else ""
        if number:
            import_string(settings.NOTIFY_SMS_BACKEND)().send(phone=number, text=message.body)
    elif message.channel == OutboxMessage.Channel.EMAIL and message.recipient.email:
        send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.recipient.email])
