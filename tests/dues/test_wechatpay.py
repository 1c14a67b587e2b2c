"""WeChat Pay v3 provider against a local stand-in for the WeChat Pay API (tests.dues.wechatpay_standin): the
notification with a locally generated platform key pair; every refusal credits nothing and sends the stand-in
nothing; each answer comes well within 5 seconds. A Native order when no channel is given, in fen; an outage of
WeChat Pay keeps nothing. (Each channel's orders, their query and close: test_wechatpay_channels.)"""

import time

import pytest

from dues import services
from dues.models import PaidMonth, PaymentNotification, PaymentOrder
from tests.dues.conftest import credit
from tests.dues.wechatpay_standin import (
    APPID,
    MCHID,
    WeChatPayStandIn,
    configure,
    key_pair,
    notification,
    wsgi_headers,
)

pytestmark = pytest.mark.django_db

NOTIFY = "/api/v1/payments/wechatpay/notify/"
NATIVE = "/v3/pay/transactions/native"


@pytest.fixture(scope="module")
def keys():
    return key_pair(), key_pair()  # the merchant's API key, the platform's


@pytest.fixture
def standin(settings, tmp_path, keys):
    merchant, platform = keys
    with WeChatPayStandIn(merchant_public_key=merchant.public_key(), platform_key=platform) as server:
        configure(settings, tmp_path, merchant=merchant, platform=platform, base_url=server.url)
        yield server


def resource_for(order, **changes):
    resource = {
        "mchid": MCHID,
        "appid": APPID,
        "out_trade_no": order.order_no,
        "transaction_id": "4200001234202504",
        "trade_type": "NATIVE",
        "trade_state": "SUCCESS",
        "success_time": "2025-04-15T10:00:05+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {
            "total": int(order.total_amount * 100),
            "payer_total": int(order.total_amount * 100),
            "currency": "CNY",
            "payer_currency": "CNY",
        },
    }
    resource.update(changes)
    return resource


@pytest.fixture
def order(april, make_member, standin):
    _user, m = make_member()
    credit(m, "2024-01", "2025-03")
    created = services.dues_payment_create(membership=m, year=2025, through_month=8, extra_amount="2")
    assert [(r["path"], r["status"]) for r in standin.requests] == [(NATIVE, 200)]
    return created


def post(client, body, headers):
    started = time.monotonic()
    response = client.post(NOTIFY, data=body, content_type="application/json", **wsgi_headers(headers))
    assert time.monotonic() - started < 5
    return response


def test_valid_notification_is_decrypted_verified_and_credited_once(client, order, standin, keys):
    body, headers = notification(keys[1], resource_for(order))
    assert post(client, body, headers).status_code == 204
    assert post(client, body, headers).status_code == 204  # the same notification again: nothing more
    order.refresh_from_db()
    assert order.status == "paid" and order.transaction_id == "4200001234202504"
    assert PaidMonth.objects.filter(payment=order).count() == 5
    assert [r["path"] for r in standin.requests] == [NATIVE]  # nothing sent since the order was opened


@pytest.mark.parametrize(
    "case",
    [
        "stale",
        "future",
        "probe",
        "missing_signature",
        "missing_type",
        "missing_serial",
        "unknown_serial",
        "amount",
        "mchid",
        "forged",
        "not_success",
    ],
)
def test_bad_notifications_refused_nothing_credited_no_network(client, order, standin, keys, case):
    platform = keys[1]
    resource = resource_for(order)
    kwargs = {}
    if case == "stale":
        kwargs["timestamp"] = int(time.time()) - 301
    elif case == "future":
        kwargs["timestamp"] = int(time.time()) + 301
    elif case == "probe":
        kwargs["signature"] = "WECHATPAY/SIGNTEST/" + "A" * 40
    elif case == "missing_signature":
        kwargs["drop"] = ("Wechatpay-Signature",)
    elif case == "missing_type":
        kwargs["drop"] = ("Wechatpay-Signature-Type",)
    elif case == "missing_serial":
        kwargs["drop"] = ("Wechatpay-Serial",)
    elif case == "unknown_serial":
        kwargs["serial"] = "7132D72A03E93CDDF8C03BBD1F37EEDF"
    elif case == "amount":
        resource["amount"]["total"] = 1
    elif case == "mchid":
        resource["mchid"] = "1900000999"
    elif case == "forged":
        platform = key_pair()
    elif case == "not_success":
        resource["trade_state"] = "NOTPAY"
    body, headers = notification(platform, resource, **kwargs)
    response = post(client, body, headers)
    assert response.status_code == 400
    assert response.json()["code"] == "FAIL"
    assert not PaidMonth.objects.filter(payment__isnull=False).exists()
    order.refresh_from_db()
    assert order.status == "pending" and order.transaction_id is None
    assert PaymentNotification.objects.get().outcome == "rejected"
    assert [r["path"] for r in standin.requests] == [NATIVE]  # nothing sent since the order was opened


def test_an_order_without_a_channel_is_a_native_order_in_fen(april, make_member, standin):
    standin.answer("POST", NATIVE, 200, {"code_url": "weixin://wxpay/bizpayurl?pr=XyZ"})
    _user, m = make_member()
    credit(m, "2024-01", "2025-03")
    created = services.dues_payment_create(membership=m, year=2025, through_month=8, extra_amount="2")
    assert created.provider == "wechatpay" and created.channel == "native"
    assert created.provider_ref == "weixin://wxpay/bizpayurl?pr=XyZ"
    [sent] = standin.requests
    assert sent["path"] == NATIVE and sent["verified"]
    assert sent["body"]["amount"] == {"total": 5200, "currency": "CNY"}
    assert sent["body"]["out_trade_no"] == created.order_no
    assert 6 <= len(created.order_no) <= 32


def test_provider_failure_keeps_nothing_and_answers_503(april, make_member, standin, api_for):
    standin.failing = True
    user, m = make_member()
    credit(m, "2024-01", "2025-03")
    response = api_for(user).post(
        "/api/v1/me/dues/payments/", {"year": 2025, "through_month": 4}, format="json"
    )
    assert response.status_code == 503 and response.json()["code"] == "payment_unavailable"
    assert not PaymentOrder.objects.exists()
    assert [(r["path"], r["verified"], r["status"], r["answer"]["code"]) for r in standin.requests] == [
        (NATIVE, True, 500, "SYSTEM_ERROR")
    ]
