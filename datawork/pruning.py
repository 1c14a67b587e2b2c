"""Pruning rows past their retention: delivered messages, refused or duplicate payment notifications, audit rows.

Never touched: payment orders, paid months, credited or refund-owing notifications (money), memberships and
their events (membership history), and audit rows of money or of anonymisation. Each retention is a number of
days from the environment (0 keeps everything); rows go in batches so no delete holds a long lock.
"""

import dataclasses
import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from dues.models import PaymentNotification
from notifications.models import OutboxMessage
from unionhub.models import AuditEntry

BATCH = 5000


@dataclasses.dataclass
class PruneResult:
    outbox: int = 0
    payment_notifications: int = 0
    audit: int = 0


def _cutoff(days: int) -> dt.datetime | None:
    return timezone.now() - dt.timedelta(days=days) if days > 0 else None


def _delete_in_batches(qs: QuerySet, *, dry_run: bool) -> int:
    if dry_run:
        return qs.count()
    total = 0
    while True:
        with transaction.atomic():
            ids = list(qs.values_list("pk", flat=True)[:BATCH])
            if not ids:
                return total
            deleted, _ = qs.model.objects.filter(pk__in=ids).delete()
            total += deleted


def outbox_prunable(cutoff: dt.datetime) -> QuerySet[OutboxMessage]:
    """Sent SMS and e-mail, and inbox messages the member has read, created before the cut-off."""
    return OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT, created_at__lt=cutoff).filter(
        ~Q(channel=OutboxMessage.Channel.INBOX) | Q(read_at__isnull=False)
    )


def payment_notifications_prunable(cutoff: dt.datetime) -> QuerySet[PaymentNotification]:
    """Only notifications that moved no money: refused ones and duplicates of one already credited."""
    return PaymentNotification.objects.filter(
        outcome__in=[PaymentNotification.Outcome.REJECTED, PaymentNotification.Outcome.DUPLICATE],
        received_at__lt=cutoff,
    )


def audit_prunable(cutoff: dt.datetime) -> QuerySet[AuditEntry]:
    keep = Q()
    for prefix in settings.UNIONHUB_PRUNE_AUDIT_KEEP_PREFIXES:
        keep |= Q(action__startswith=prefix)
    return AuditEntry.objects.filter(at__lt=cutoff).exclude(keep)


def prune_expired(*, dry_run: bool = False) -> PruneResult:
    result = PruneResult()
    if cutoff := _cutoff(settings.UNIONHUB_PRUNE_OUTBOX_DAYS):
        result.outbox = _delete_in_batches(outbox_prunable(cutoff), dry_run=dry_run)
    if cutoff := _cutoff(settings.UNIONHUB_PRUNE_PAYMENT_NOTIFICATION_DAYS):
        result.payment_notifications = _delete_in_batches(
            payment_notifications_prunable(cutoff), dry_run=dry_run
        )
    if cutoff := _cutoff(settings.UNIONHUB_PRUNE_AUDIT_DAYS):
        result.audit = _delete_in_batches(audit_prunable(cutoff), dry_run=dry_run)
    return result
