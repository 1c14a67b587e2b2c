"""Delivery of one outbox message through the configured SMS backend, Django's e-mail backend or a WeChat
subscribe message."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from notifications import sms, wechat_subscribe
from notifications.models import OutboxMessage
from notifications.sms_templates import outbox_params
from unionhub.lib import clock

log = logging.getLogger(__name__)


ConsoleSmsBackend = sms.ConsoleSmsBackend  # the dotted path of the former default setting


def outbox_deliver(*, message_id: int) -> None:
    """Send one pending message. Idempotent: a sent message is never sent again.

    A failure is counted on the row (with the provider's answer when it refused) before it is raised for the
    task to retry; a spent provider rate (SmsRateLimited) is not an attempt."""
    failure = None
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=OutboxMessage.Status.PENDING)
            .first()
        )
        if message is None:
            return
        try:
            _send(message)
        except sms.SmsRateLimited:
            raise
        except Exception as exc:
            failure = exc
            message.attempts += 1
            message.last_error = type(exc).__name__
            if isinstance(exc, sms.SmsProviderError):
                message.provider_answer = exc.result.as_answer()
                message.last_error = f"{exc.result.code} {exc.result.message}"[:200]
            if message.attempts >= 5:
                message.status = OutboxMessage.Status.FAILED
            message.save(update_fields=["attempts", "last_error", "status", "provider_answer"])
        else:
            message.attempts += 1
            message.status = OutboxMessage.Status.SENT
            message.sent_at = clock.now()
            message.save(update_fields=["attempts", "status", "sent_at", "last_error", "provider_answer"])
    if failure is not None:
        raise failure


def _send(message: OutboxMessage) -> None:
    person = getattr(message.recipient, "person", None)
    if message.channel == OutboxMessage.Channel.SMS:
        number = person.phone if person else ""
        if number:
            result = sms.sms_send(phone=number, kind=message.template, params=outbox_params(message))
            message.provider_answer = result.as_answer()
    elif message.channel == OutboxMessage.Channel.WECHAT_SUBSCRIBE:
        message.provider_answer = wechat_subscribe.subscribe_deliver(message)
    elif message.channel == OutboxMessage.Channel.EMAIL and message.recipient.email:
        send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.recipient.email])
