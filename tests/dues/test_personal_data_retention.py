"""Data retention (security.services): a person whose money is still open with the dues ledger keeps their data."""

import datetime as dt

import pytest

from dues import services
from dues.models import PaymentOrder
from members import services as member_services
from members.models import Person
from security import services as security_services
from tests.dues.conftest import credit, deliver

pytestmark = pytest.mark.django_db

LATER = dt.date(2031, 3, 1)


def test_pending_or_refund_pending_payment_order_keeps_a_person_from_anonymisation(
    settings, april, make_member, admin_user
):
    settings.UNIONHUB_RETENTION_YEARS = 5
    _u, refund = make_member()
    _u, pending = make_member()
    _u, done = make_member()
    for membership in (refund, pending, done):
        credit(membership, "2024-01", "2025-03")

    # paid twice for April: the superseded order's late payment waits for a refund (待退款)
    first = services.dues_payment_create(membership=refund, year=2025, through_month=4, extra_amount="0")
    second = services.dues_payment_create(membership=refund, year=2025, through_month=4, extra_amount="0")
    assert deliver(second, transaction_id="TX-2") == "credited"
    assert deliver(first, transaction_id="TX-1") == "refund"
    first.refresh_from_db()
    assert first.status == PaymentOrder.Status.REFUND_PENDING
    # an order opened just before the member withdrew, never paid nor yet expired
    open_order = services.dues_payment_create(
        membership=pending, year=2025, through_month=4, extra_amount="0"
    )
    for membership in (refund, pending, done):
        member_services.membership_withdraw(
            membership_id=membership.pk, actor=None, reason="本人申请，经谈话后同意"
        )

    assert security_services.person_anonymise_expired(today=LATER) == [done.person_id]

    services.refund_mark_done(order_id=first.pk, actor=admin_user, note="已原路退回")
    PaymentOrder.objects.filter(pk=open_order.pk).update(status=PaymentOrder.Status.EXPIRED)
    assert sorted(security_services.person_anonymise_expired(today=LATER)) == sorted(
        [refund.person_id, pending.person_id]
    )
    assert Person.objects.get(pk=refund.person_id).name == "已匿名"
    # the ledger stays, without the identity
    assert PaymentOrder.objects.filter(membership=refund).count() == 2
