"""Money exact to the fen (issue 12, finding 9), provider times bounded and every notification kept even when
crediting fails (issue 20, findings 1 and 6)."""

import datetime as dt
import json

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client
from django.utils import timezone

from dues import services
from dues.models import PaidMonth, PaymentNotification, PaymentOrder
from dues.providers import sandbox
from tests.conftest import postgres_only
from tests.dues.conftest import credit, deliver, signed

NOTIFY = "/api/v1/payments/sandbox/notify/"

pytestmark = [postgres_only(), pytest.mark.postgres]


def send(api, order, *, amount=None, paid_at="2025-04-15T10:00:00+08:00", transaction_id="TX-1"):
    body = json.dumps(
        {
            "order_no": order.order_no,
            "amount": amount or str(order.total_amount),
            "transaction_id": transaction_id,
            "paid_at": paid_at,
        }
    ).encode()
    return api.post(
        NOTIFY, data=body, content_type="application/json", HTTP_X_SANDBOX_SIGNATURE=sandbox.sign(body)
    )


@pytest.fixture
def order(april, make_member):
    _user, m = make_member()
    credit(m, "2024-01", "2025-03")
    return services.dues_payment_create(membership=m, year=2025, through_month=4, extra_amount="0")


# --- issue 12, finding 9: money exact to the fen ----------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["10.000001", "10.001", "9.999", "10.00000000000000000001", "1e1", "NaN"])
def test_an_amount_with_more_than_two_decimals_is_refused(order, api, amount):
    response = send(api, order, amount=amount)
    assert response.status_code == 400 and response.json()["code"] == "notification_rejected"
    order.refresh_from_db()
    assert order.status == "pending" and not PaidMonth.objects.filter(payment=order).exists()
    assert PaymentNotification.objects.get().outcome == "rejected"


@pytest.mark.django_db
def test_an_exact_amount_with_trailing_zeros_is_credited(order, api):
    assert send(api, order, amount="10.0").json() == {"result": "ok"}
    order.refresh_from_db()
    assert order.status == "paid"


@pytest.mark.django_db
def test_a_second_transaction_for_a_paid_order_opens_a_refund_case_for_staff(order, api, city):
    assert deliver(order, "TX-FIRST") == "credited"
    assert deliver(order, "TX-SECOND") == "refund"
    assert deliver(order, "TX-SECOND") == "duplicate"  # the provider resends: still one case
    order.refresh_from_db()
    assert order.status == "paid" and order.transaction_id == "TX-FIRST"
    case = PaymentOrder.objects.get(status="refund_pending")
    assert case.transaction_id == "TX-SECOND" and case.total_amount == order.total_amount
    assert case.membership == order.membership and order.order_no in case.note
    assert not PaidMonth.objects.filter(payment=case).exists()
    # finance staff of the member's union see it in 待退款订单 and mark it refunded, audited
    staff = Client()
    staff.force_login(city.grassroots_staff)
    listing = staff.get("/admin/dues/refundpendingorder/")
    assert listing.status_code == 200 and case.order_no in listing.content.decode()
    done = staff.post(
        "/admin/dues/refundpendingorder/", {"action": "mark_refunded", "_selected_action": [case.pk]}
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == "refunded"
    from unionhub.models import AuditEntry

    entry = AuditEntry.objects.filter(action="dues_refund_done").get()
    assert entry.actor == city.grassroots_staff


# --- issue 20, finding 1: provider times bounded ----------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize(
    "paid_at",
    [
        "0001-01-01T00:00:00",
        "9999-12-31T23:59:59-12:00",
        "2099-12-31T10:00:00+08:00",
        "1970-01-01T00:00:00+00:00",
        "2025-04-15T10:00:00",
        "not a time",
        "12345",
    ],
)
def test_an_absurd_paid_at_is_kept_raw_and_replaced_by_the_receipt_time(order, api, april, paid_at):
    before = timezone.now()
    assert send(api, order, paid_at=paid_at).json() == {"result": "ok"}
    order.refresh_from_db()
    assert order.status == "paid"
    notification = PaymentNotification.objects.get()
    assert notification.outcome == "credited" and notification.provider_paid_at == paid_at
    assert "paid_at" in notification.reason
    from unionhub.lib.clock import SHANGHAI

    assert order.paid_at.astimezone(SHANGHAI).date() == dt.date(
        2025, 4, 15
    )  # the business date's receipt time
    assert abs((order.paid_at - before).total_seconds()) < 86400 * 366 * 3  # a plausible, storable time


@pytest.mark.django_db
def test_a_sane_paid_at_is_kept_as_sent(order, api):
    send(api, order, paid_at="2025-04-15T09:30:00+08:00")
    order.refresh_from_db()
    assert order.paid_at == dt.datetime(2025, 4, 15, 1, 30, tzinfo=dt.UTC)
    assert PaymentNotification.objects.get().reason == ""


@pytest.mark.django_db
@pytest.mark.parametrize("paid_at", ["0001-01-01T00:00:00", "9999-12-31T23:59:59-12:00"])
def test_no_stored_paid_at_breaks_a_page(order, api, city, paid_at):
    send(api, order, paid_at=paid_at)
    order.refresh_from_db()
    member = Client()
    member.force_login(order.membership.person.user)
    assert member.get("/api/v1/me/dues/payments/").status_code == 200
    assert member.get("/dues/history/").status_code == 200
    assert member.get(f"/dues/orders/{order.order_no}/receipt.pdf").status_code == 200
    for user in (city.grassroots_staff, city.city_admin):
        staff = Client()
        staff.force_login(user)
        assert staff.get("/admin/dues/paymentorder/").status_code == 200


# --- issue 20, finding 6: the notification is kept when crediting fails ----------------------------------------
@pytest.mark.django_db(transaction=True)
def test_a_database_error_while_crediting_leaves_the_notification_and_a_retry_credits_once(
    april, make_member, monkeypatch
):
    _user, m = make_member()
    credit(m, "2024-01", "2025-03")
    order = services.dues_payment_create(membership=m, year=2025, through_month=4, extra_amount="0")
    real = services.payments._payment_confirm_locked

    def failing(*args, **kwargs):
        real(*args, **kwargs)  # the credit is written, then the server ends the connection before the commit
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    monkeypatch.setattr(services.payments, "_payment_confirm_locked", failing)
    body, signature = signed(order, "TX-KEPT")
    with pytest.raises((OperationalError, InterfaceError)):
        services.payment_notification_handle(
            provider_name="sandbox", headers={"X-Sandbox-Signature": signature}, body=body
        )
    connection.close()  # as the request's end does; the next query reconnects
    kept = PaymentNotification.objects.get()
    assert kept.outcome == "received" and kept.raw_body == body.decode()
    assert not PaidMonth.objects.filter(payment=order).exists()
    monkeypatch.setattr(services.payments, "_payment_confirm_locked", real)
    assert deliver(order, "TX-KEPT") == "credited"
    assert PaidMonth.objects.filter(payment=order).count() == 1
    assert PaymentNotification.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_trigger_failing_the_credit_leaves_the_notification(april, make_member, api):
    _user, m = make_member()
    credit(m, "2024-01", "2025-03")
    order = services.dues_payment_create(membership=m, year=2025, through_month=4, extra_amount="0")
    with connection.cursor() as cursor:
        cursor.execute("""
            CREATE FUNCTION uh_test_fail() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'crediting failed' USING ERRCODE = '57P01'; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER uh_test_fail BEFORE INSERT ON dues_paidmonth FOR EACH ROW EXECUTE FUNCTION uh_test_fail();
        """)
    try:
        body, signature = signed(order, "TX-TRIGGER")
        with pytest.raises(OperationalError):
            services.payment_notification_handle(
                provider_name="sandbox", headers={"X-Sandbox-Signature": signature}, body=body
            )
        kept = PaymentNotification.objects.get()
        assert (
            kept.order_no == order.order_no
            and kept.outcome == "received"
            and "OperationalError" in kept.reason
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER uh_test_fail ON dues_paidmonth; DROP FUNCTION uh_test_fail();")
