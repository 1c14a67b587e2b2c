"""SPEC §8 contract of the dues API, the sandbox notification and the crediting rules."""

import datetime as dt
import threading

import pytest
from django.db import connection

from dues import services
from dues.models import PaidMonth, PaymentNotification, PaymentOrder
from members.models import DuesMode
from tests.conftest import postgres_only
from tests.dues.conftest import credit, deliver, signed

NOTIFY = "/api/v1/payments/sandbox/notify/"


def notify(api, body, signature):
    return api.post(NOTIFY, data=body, content_type="application/json", HTTP_X_SANDBOX_SIGNATURE=signature)


@pytest.mark.django_db
def test_year_calendar_api_example_4(april, make_member, api_for):
    user, _m = make_member(joined_on=dt.date(2025, 4, 10), hire_date=dt.date(2025, 2, 1))
    body = api_for(user).get("/api/v1/me/dues/2025/").json()
    assert body["year"] == 2025 and body["monthly_amount"] == "10.00"
    assert [m["status"] for m in body["months"]] == (
        ["not_required", "due", "due", "due"] + ["payable"] * 5 + ["not_open"] * 3
    )
    assert body["months"][0] == {"month": 1, "status": "not_required", "amount": None}
    assert body["months"][1]["amount"] == "10.00"
    assert body["payable"] == {"min_through": 4, "max_through": 9}
    assert body["blocked_by_year"] is None


@pytest.mark.django_db
def test_pay_through_api_and_sandbox_notification_credits_once(april, make_member, api_for, api):
    user, m = make_member()
    credit(m, "2024-01", "2025-03")
    client = api_for(user)
    created = client.post(
        "/api/v1/me/dues/payments/", {"year": 2025, "through_month": 8, "extra_amount": "2"}, format="json"
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["amount"] == "52.00" and data["extra_amount"] == "2.00" and data["months"] == 5
    assert data["status"] == "pending" and data["pay_url"].startswith("/dues/sandbox/pay/")
    order = PaymentOrder.objects.get(order_no=data["order_no"])
    body, signature = signed(order, "TX-A")
    assert notify(api, body, signature).json() == {"result": "ok"}
    assert notify(api, body, signature).json() == {"result": "ok"}  # duplicate: ok, nothing more
    assert PaidMonth.objects.filter(membership=m, month__year=2025).count() == 3 + 5
    order.refresh_from_db()
    assert order.status == "paid" and order.receipt_no
    history = client.get("/api/v1/me/dues/payments/").json()
    assert history[0]["order_no"] == order.order_no and history[0]["receipt_no"] == order.receipt_no
    assert history[0]["amount"] == "52.00"
    cal = client.get("/api/v1/me/dues/2025/").json()
    assert [m["status"] for m in cal["months"]][:8] == ["paid"] * 8
    assert list(PaymentNotification.objects.values_list("outcome", flat=True).order_by("pk")) == [
        "credited",
        "duplicate",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["forged", "wrong_amount", "unknown_order", "no_signature"])
def test_bad_notifications_refused_and_nothing_credited(april, make_member, api, case):
    _user, m = make_member()
    credit(m, "2024-01", "2025-03")
    order = services.dues_payment_create(membership=m, year=2025, through_month=4, extra_amount="0")
    body, signature = signed(order)
    if case == "forged":
        signature = "0" * 64
    elif case == "wrong_amount":
        body, signature = signed(order, amount="0.01")
    elif case == "unknown_order":
        order.order_no = "DU2025NOSUCHORDER"
        body, signature = signed(order)
    response = (
        api.post(NOTIFY, data=body, content_type="application/json")
        if case == "no_signature"
        else notify(api, body, signature)
    )
    assert response.status_code == 400
    assert not PaidMonth.objects.filter(membership=m, month__year=2025, month__month=4).exists()
    order = PaymentOrder.objects.get(membership=m)
    assert order.status == "pending" and order.transaction_id is None
    assert PaymentNotification.objects.get().outcome == "rejected"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"year": 2025, "through_month": 3}, "below_minimum"),
        ({"year": 2025, "through_month": 10}, "beyond_window"),
        ({"year": 2025, "through_month": 4, "extra_amount": "-2"}, "invalid_extra"),
    ],
)
def test_payment_api_error_codes(april, make_member, api_for, payload, code):
    user, m = make_member()
    credit(m, "2024-01", "2025-01")
    response = api_for(user).post("/api/v1/me/dues/payments/", payload, format="json")
    assert response.status_code == 400 and response.json()["code"] == code


@pytest.mark.django_db
def test_payment_api_other_codes(april, make_member, api_for):
    user, m = make_member(joined_on=dt.date(2023, 5, 1))
    credit(m, "2023-05", "2024-10")
    r = api_for(user).post("/api/v1/me/dues/payments/", {"year": 2025, "through_month": 4}, format="json")
    assert r.json()["code"] == "previous_year_arrears"
    payroll_user, _pm = make_member(dues_mode=DuesMode.PAYROLL)
    r = api_for(payroll_user).post(
        "/api/v1/me/dues/payments/", {"year": 2025, "through_month": 4}, format="json"
    )
    assert r.json()["code"] == "not_self_pay"


@pytest.mark.django_db
def test_late_notification_for_superseded_order_credits_if_months_unpaid(april, make_member):
    _user, m = make_member()
    credit(m, "2024-01", "2025-03")
    first = services.dues_payment_create(membership=m, year=2025, through_month=4, extra_amount="0")
    second = services.dues_payment_create(membership=m, year=2025, through_month=5, extra_amount="0")
    assert deliver(first, "TX-LATE") == "credited"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "paid" and second.status == "superseded"
    # the second one is paid after all: April is already credited, so it waits for a refund
    assert deliver(second, "TX-SECOND") == "refund"
    second.refresh_from_db()
    assert second.status == "refund_pending" and second.transaction_id == "TX-SECOND"
    assert PaidMonth.objects.filter(membership=m, month=dt.date(2025, 4, 1)).get().payment_id == first.pk
    assert not PaidMonth.objects.filter(membership=m, month=dt.date(2025, 5, 1)).exists()


@pytest.mark.django_db
def test_expired_order_paid_late_is_credited(april, make_member):
    _user, m = make_member()
    credit(m, "2024-01", "2025-03")
    order = services.dues_payment_create(membership=m, year=2025, through_month=4, extra_amount="0")
    counts = services.payment_reconcile(now=order.created_at + dt.timedelta(hours=2))
    order.refresh_from_db()
    assert counts["expired"] == 1 and order.status == "expired"
    deliver(order, "TX-EXP")
    order.refresh_from_db()
    assert order.status == "paid"


@pytest.mark.django_db
@pytest.mark.parametrize("end", ["voluntary", "arrears"])
def test_order_paid_after_the_member_left_waits_for_a_refund_and_credits_nothing(april, make_member, end):
    from members import services as member_services

    _user, m = make_member()
    credit(m, "2024-01", "2024-08" if end == "arrears" else "2025-03")
    if end == "arrears":  # seven months unpaid: the order is opened, then the sweep withdraws the member
        order = services.dues_payment_create(membership=m, year=2024, through_month=12, extra_amount="0")
        assert services.dues_sweep(today=april)["withdrawn"] == 1
    else:
        order = services.dues_payment_create(membership=m, year=2025, through_month=4, extra_amount="0")
        member_services.membership_withdraw(membership_id=m.pk, actor=None, reason="本人申请，经谈话后同意")
    assert deliver(order, "TX-AFTER") == "refund"
    order.refresh_from_db()
    assert (
        order.status == "refund_pending" and order.transaction_id == "TX-AFTER" and order.receipt_no is None
    )
    assert not PaidMonth.objects.filter(payment=order).exists()
    assert deliver(order, "TX-AFTER") == "duplicate"


def at_once(calls: list) -> list:
    """Run the calls in real threads (each with its own database connection), released together."""
    barrier = threading.Barrier(len(calls))
    outcomes, errors = [], []

    def worker(call):
        try:
            barrier.wait()
            outcomes.append(call())
        except Exception as exc:  # noqa: BLE001 - collected and asserted by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    return outcomes


@postgres_only()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_duplicate_notifications_credit_once(april, make_member):
    _user, m = make_member()
    credit(m, "2024-01", "2025-03")
    order = services.dues_payment_create(membership=m, year=2025, through_month=8, extra_amount="2")
    outcomes = at_once([lambda: deliver(order, "TX-RACE")] * 20)
    assert outcomes.count("credited") == 1 and outcomes.count("duplicate") == 19
    assert PaidMonth.objects.filter(membership=m, month__year=2025).count() == 3 + 5
    assert PaymentNotification.objects.count() == 20


@postgres_only()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_orders_for_the_same_months_paid_at_once_credit_once_and_refund_once(april, make_member):
    _user, m = make_member()
    credit(m, "2024-01", "2025-03")
    first = services.dues_payment_create(membership=m, year=2025, through_month=4, extra_amount="0")
    second = services.dues_payment_create(membership=m, year=2025, through_month=5, extra_amount="0")
    outcomes = at_once([lambda: deliver(first, "TX-F"), lambda: deliver(second, "TX-S")])
    assert sorted(outcomes) == ["credited", "refund"]
    assert PaidMonth.objects.filter(membership=m, month=dt.date(2025, 4, 1)).count() == 1
    assert PaymentOrder.objects.filter(membership=m, status="refund_pending").count() == 1


@pytest.mark.django_db
def test_payment_api_bad_bodies_answer_in_the_error_format(april, make_member, api_for):
    user, _m = make_member()
    api = api_for(user)
    broken = api.post("/api/v1/me/dues/payments/", data=b"\x00", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["code"] == "parse_error"
    invalid = api.post(
        "/api/v1/me/dues/payments/", {"year": "soon", "through_month": 13}, format="json"
    ).json()
    assert invalid["code"] == "invalid" and set(invalid["fields"]) == {"year", "through_month"}
    assert "through_month" in invalid["detail"]


@pytest.mark.django_db
def test_a_notification_with_nul_bytes_is_kept_and_rejected(api):
    response = api.post(
        NOTIFY,
        data=b'{"order_no": "\x00"}\x00',
        content_type="application/json",
        HTTP_X_SANDBOX_SIGNATURE="\x00",
    )
    assert response.status_code == 400
    notification = PaymentNotification.objects.get()
    assert notification.outcome == "rejected" and "\x00" not in notification.raw_body
