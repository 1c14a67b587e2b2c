"""Delivery of outbox messages through the configured SMS backend, Django's e-mail backend or a WeChat
subscribe message.

States: pending (written) → queued (handed to the messages queue, in one statement per batch) → sending (claimed
by one worker by a conditional update) → sent, or back to queued after a failed try (due again after an
exponential backoff), or failed after OUTBOX_MAX_ATTEMPTS. Nothing is sent while a row lock or a transaction is
held: the claim commits first, the provider is called, then the answer is written. A queued or sending row left
past OUTBOX_STALE_SECONDS (lost queue message, lost worker) is queued again by outbox_requeue_stale, so every
message ends sent or failed.
"""

import logging
import time
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Case, F, JSONField, Value, When
from psycopg.types.json import Jsonb

from notifications import sms, wechat_subscribe
from notifications.models import OutboxMessage
from notifications.sms_templates import outbox_params
from unionhub.lib import clock

log = logging.getLogger(__name__)

Status = OutboxMessage.Status
ConsoleSmsBackend = sms.ConsoleSmsBackend  # the dotted path of the former default setting
CLAIMABLE = (Status.PENDING, Status.QUEUED)


def retry_countdown(attempts: int) -> int:
    """Seconds before try number attempts+1: OUTBOX_RETRY_BASE_SECONDS, doubled after every failed try."""
    return settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)


def outbox_deliver(*, message_id: int) -> str:
    """Send one pending or queued message; returns its state afterwards. Idempotent: a message sent, being sent
    by another worker or failed for good is left alone.

    A failure is counted on the row (with the provider's answer when it refused) and raised for the task to retry
    after retry_countdown(); a spent provider rate (SmsRateLimited) is not an attempt: the row goes back to the
    state it had and the error is raised."""
    message = (
        OutboxMessage.objects.filter(pk=message_id, status__in=CLAIMABLE)
        .exclude(channel=OutboxMessage.Channel.INBOX)
        .select_related("recipient__person")
        .first()
    )
    if message is None:
        return ""
    before = message.status
    claimed = OutboxMessage.objects.filter(pk=message.pk, status=before).update(
        status=Status.SENDING, queued_at=clock.now()
    )
    if not claimed:  # another worker took it between the read and the claim
        return ""
    try:
        return _send_and_record(message)
    except sms.SmsRateLimited:
        OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(status=before)
        raise


def _send_and_record(message: OutboxMessage) -> str:
    """Send a claimed (sending) message outside any transaction, then write the answer or the failure."""
    answer = _send_claimed(message)
    _record_sent([(message.pk, answer)])
    return Status.SENT


def _send_claimed(message: OutboxMessage) -> dict:
    """Send a claimed (sending) message outside any transaction and return the provider's answer; a failure is
    written on the row (and raised). The task's time limit leaves the row sending: whether the provider got it is
    unknown, so the stale sweep sends it again (at most twice, never lost)."""
    try:
        return _send(message)
    except (sms.SmsRateLimited, SoftTimeLimitExceeded):
        raise
    except Exception as exc:
        attempts = message.attempts + 1
        fields = {"attempts": attempts, "last_error": type(exc).__name__[:200]}
        if isinstance(exc, sms.SmsProviderError):
            fields["provider_answer"] = exc.result.as_answer()
            fields["last_error"] = f"{exc.result.code} {exc.result.message}"[:200]
        if attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            fields["status"] = Status.FAILED
        else:  # due again after the backoff; the stale sweep counts from then
            fields["status"] = Status.QUEUED
            fields["queued_at"] = clock.now() + timedelta(seconds=retry_countdown(attempts))
        OutboxMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(**fields)
        raise


def _record_sent(sent: list[tuple[int, dict]]) -> None:
    """Write sent messages with their own provider answers in one statement (one commit for the group).

    On PostgreSQL the commit does not wait for the WAL flush (synchronous_commit off for this transaction only):
    a database crash may forget the last fraction of a second of these writes, which leaves those rows sending,
    so the stale sweep sends them again; nothing is lost, and no money or membership row is written this way."""
    if not sent:
        return
    now = clock.now()
    if connection.vendor == "postgresql":
        table = OutboxMessage._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute(
                f"""UPDATE {table} AS m SET status = %s, attempts = m.attempts + 1, sent_at = %s, last_error = '',
                    provider_answer = v.answer
                FROM unnest(%s::bigint[], %s::jsonb[]) AS v(id, answer)
                WHERE m.id = v.id AND m.status = %s""",  # noqa: S608 - the table name is the model's own
                [Status.SENT, now, [pk for pk, _ in sent], [Jsonb(a) for _, a in sent], Status.SENDING],
            )
        return
    answers = Case(
        *(When(pk=pk, then=Value(answer, output_field=JSONField())) for pk, answer in sent),
        output_field=JSONField(),
    )
    OutboxMessage.objects.filter(pk__in=[pk for pk, _ in sent], status=Status.SENDING).update(
        status=Status.SENT, attempts=F("attempts") + 1, sent_at=now, last_error="", provider_answer=answers
    )


def _claim_batch(message_ids: list[int]) -> list[int]:
    """Claim the batch's still claimable messages in one conditional statement; returns the ids this worker got
    (another worker given the same ids gets none of them)."""
    now = clock.now()
    if connection.vendor == "postgresql":
        table = OutboxMessage._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE {table} SET status = %s, queued_at = %s
                WHERE id = ANY(%s) AND status IN (%s, %s) AND channel <> %s RETURNING id""",  # noqa: S608
                [Status.SENDING, now, list(message_ids), *CLAIMABLE, OutboxMessage.Channel.INBOX],
            )
            return sorted(row[0] for row in cursor.fetchall())
    got = []
    for pk in message_ids:
        if (
            OutboxMessage.objects.filter(pk=pk, status__in=CLAIMABLE)
            .exclude(channel="inbox")
            .update(status=Status.SENDING, queued_at=now)
        ):
            got.append(pk)
    return got


def outbox_deliver_batch(*, message_ids: list[int], retry) -> dict:
    """Deliver a batch: claimed in one statement, loaded in one query, each message sent on its own, and the
    answers written a group at a time (OUTBOX_RECORD_EVERY sends, or a second, whichever comes first; whatever
    was sent is written even when the batch is cut short). A failed message is written at once and handed to
    retry(message_id, countdown), and the batch goes on; when the provider's rate is spent the batch waits for
    the next second's budget. A worker killed mid-batch leaves at most one group sent but still marked
    sending: the stale sweep sends those again (twice, never lost)."""
    claimed = _claim_batch(message_ids)
    counts = {"sent": 0, "retry": 0, "failed": 0, "skipped": len(message_ids) - len(claimed)}
    messages = OutboxMessage.objects.filter(pk__in=claimed).select_related("recipient__person").order_by("pk")
    group: list[tuple[int, dict]] = []
    group_started = time.monotonic()
    try:
        for message in messages:
            while True:
                try:
                    answer = _send_claimed(message)
                except sms.SmsRateLimited:
                    time.sleep(1.0 - time.time() % 1.0 + 0.01)
                    continue
                except SoftTimeLimitExceeded:
                    raise
                except Exception:
                    if message.attempts + 1 < settings.OUTBOX_MAX_ATTEMPTS:
                        counts["retry"] += 1
                        retry(message.pk, retry_countdown(message.attempts + 1))
                    else:
                        counts["failed"] += 1
                    break
                if not group:
                    group_started = time.monotonic()
                group.append((message.pk, answer))
                counts["sent"] += 1
                if len(group) >= settings.OUTBOX_RECORD_EVERY or time.monotonic() - group_started >= 1.0:
                    _record_sent(group)
                    group = []
                break
    finally:
        _record_sent(group)
    return counts


def outbox_queue_pending(*, limit: int | None = None) -> list[int]:
    """Mark up to `limit` pending SMS/e-mail messages queued, in one statement, and return their ids: a message
    marked here is not picked again by the next run however long the backlog is (concurrent runs skip each
    other's rows)."""
    limit = limit or settings.OUTBOX_QUEUE_LIMIT
    now = clock.now()
    if connection.vendor == "postgresql":
        table = OutboxMessage._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE {table} SET status = %s, queued_at = %s
                WHERE id IN (
                    SELECT id FROM {table} WHERE status = %s AND channel <> %s
                    ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
                ) RETURNING id""",  # noqa: S608 - the table name is the model's own
                [Status.QUEUED, now, Status.PENDING, OutboxMessage.Channel.INBOX, limit],
            )
            return sorted(row[0] for row in cursor.fetchall())
    ids = list(
        OutboxMessage.objects.filter(status=Status.PENDING)
        .exclude(channel=OutboxMessage.Channel.INBOX)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    OutboxMessage.objects.filter(pk__in=ids, status=Status.PENDING).update(
        status=Status.QUEUED, queued_at=now
    )
    return ids


def outbox_stale_ids(*, limit: int | None = None) -> list[int]:
    """Queued or sending messages whose queue message or worker was lost (older than OUTBOX_STALE_SECONDS), put
    back to queued with a fresh queued_at; a fresh queued row is left alone. A message lost mid-send may be sent
    twice; none is lost."""
    limit = limit or settings.OUTBOX_QUEUE_LIMIT
    now = clock.now()
    cutoff = now - timedelta(seconds=settings.OUTBOX_STALE_SECONDS)
    ids = list(
        OutboxMessage.objects.filter(status__in=(Status.QUEUED, Status.SENDING), queued_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return []
    OutboxMessage.objects.filter(
        pk__in=ids, status__in=(Status.QUEUED, Status.SENDING), queued_at__lt=cutoff
    ).update(status=Status.QUEUED, queued_at=now)
    return ids


def batches(ids: list[int], size: int | None = None):
    size = size or settings.OUTBOX_BATCH_SIZE
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _send(message: OutboxMessage) -> dict:
    person = getattr(message.recipient, "person", None)
    if message.channel == OutboxMessage.Channel.SMS:
        number = person.phone if person else ""
        if number:
            return sms.sms_send(
                phone=number, kind=message.template, params=outbox_params(message)
            ).as_answer()
    elif message.channel == OutboxMessage.Channel.WECHAT_SUBSCRIBE:
        return wechat_subscribe.subscribe_deliver(message)
    elif message.channel == OutboxMessage.Channel.EMAIL and message.recipient.email:
        send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.recipient.email])
    return message.provider_answer or {}
