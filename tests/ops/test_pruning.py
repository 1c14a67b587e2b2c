import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from dues.models import PaidMonth, PaymentNotification
from members.models import MembershipEvent
from notifications.models import OutboxMessage
from tests.members import factories as f
from unionhub.models import AuditEntry

pytestmark = pytest.mark.django_db

OLD = timezone.now() - dt.timedelta(days=400)


def _age(model, field, pks):
    model.objects.filter(pk__in=pks).update(**{field: OLD})


def _message(user, key, *, channel="sms", status="sent", read=False):
    return OutboxMessage.objects.create(
        recipient=user,
        channel=channel,
        template="t",
        subject="s",
        body="b",
        dedupe_key=key,
        status=status,
        read_at=timezone.now() if read else None,
    ).pk


def test_prune_deletes_only_what_is_past_retention_and_never_money_or_history(city, settings):
    settings.UNIONHUB_PRUNE_OUTBOX_DAYS = 180
    settings.UNIONHUB_PRUNE_PAYMENT_NOTIFICATION_DAYS = 365
    settings.UNIONHUB_PRUNE_AUDIT_DAYS = 365
    user, membership = f.member(city.branch)
    PaidMonth.objects.create(
        membership=membership, month=dt.date(2020, 1, 1), amount="10.00", source="self_pay"
    )
    _age(PaidMonth, "created_at", PaidMonth.objects.values("pk"))
    _age(MembershipEvent, "at", MembershipEvent.objects.values("pk")) if hasattr(
        MembershipEvent, "at"
    ) else None
    events = MembershipEvent.objects.count()
    assert events > 0

    old_sent = _message(user, "a")
    old_read_inbox = _message(user, "b", channel="inbox", read=True)
    old_unread_inbox = _message(user, "c", channel="inbox")
    old_pending = _message(user, "d", status="pending")
    old_failed = _message(user, "e", status="failed")
    new_sent = _message(user, "f")
    _age(OutboxMessage, "created_at", [old_sent, old_read_inbox, old_unread_inbox, old_pending, old_failed])

    notes = {
        o: PaymentNotification.objects.create(provider="sandbox", raw_body="{}", outcome=o).pk
        for o in ("rejected", "duplicate", "credited", "refund", "received")
    }
    recent_rejected = PaymentNotification.objects.create(
        provider="sandbox", raw_body="{}", outcome="rejected"
    ).pk
    _age(PaymentNotification, "received_at", list(notes.values()))

    audits = {
        a: AuditEntry.objects.create(action=a).pk
        for a in ("export_roster", "reveal_id_number", "dues_refund_done", "person_anonymise")
    }
    recent_audit = AuditEntry.objects.create(action="export_roster").pk
    _age(AuditEntry, "at", list(audits.values()))

    call_command("prune_expired", "--dry-run")
    assert OutboxMessage.objects.filter(pk=old_sent).exists()  # a dry run deletes nothing

    call_command("prune_expired")
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) >= {
        old_unread_inbox,
        old_pending,
        old_failed,
        new_sent,
    }
    assert not OutboxMessage.objects.filter(pk__in=[old_sent, old_read_inbox]).exists()
    assert set(PaymentNotification.objects.values_list("outcome", flat=True)) == {
        "credited",
        "refund",
        "received",
        "rejected",
    }
    assert PaymentNotification.objects.filter(pk=recent_rejected).exists()
    assert not PaymentNotification.objects.filter(pk__in=[notes["rejected"], notes["duplicate"]]).exists()
    kept = AuditEntry.objects.filter(pk__in=[*audits.values(), recent_audit])
    assert set(kept.values_list("pk", flat=True)) == {
        audits["dues_refund_done"],
        audits["person_anonymise"],
        recent_audit,
    }
    assert PaidMonth.objects.count() == 1 and MembershipEvent.objects.count() == events


def test_zero_days_keeps_everything(city, settings):
    settings.UNIONHUB_PRUNE_OUTBOX_DAYS = 0
    settings.UNIONHUB_PRUNE_PAYMENT_NOTIFICATION_DAYS = 0
    settings.UNIONHUB_PRUNE_AUDIT_DAYS = 0
    user = f.person_user()
    pk = _message(user, "a")
    _age(OutboxMessage, "created_at", [pk])
    a = AuditEntry.objects.create(action="export_roster").pk
    _age(AuditEntry, "at", [a])
    call_command("prune_expired")
    assert OutboxMessage.objects.filter(pk=pk).exists() and AuditEntry.objects.filter(pk=a).exists()


def test_the_nightly_task_is_scheduled_and_runs(settings, db):
    from datawork.tasks import prune_expired

    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "datawork.tasks.prune_expired"
    )
    assert entry["schedule"].hour == {3}
    assert prune_expired.delay().get() == {"outbox": 0, "payment_notifications": 0, "audit": 0}
