"""WeChat Pay v3 provider, offline: a locally generated platform key pair and a recorded-style notification.
Every refusal credits nothing and makes no outbound call; each answer comes well within 5 seconds. (The orders of
each channel, as the SDK sends them to a stand-in for WeChat Pay: test_wechatpay_channels.)"""

import base64
import json
import os
import time

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dues import services
from dues.models import PaidMonth, PaymentNotification, PaymentOrder
from dues.providers import OpenedOrder
from dues.providers.wechatpay import WeChatPayProvider
from tests.dues.conftest import credit

pytestmark = pytest.mark.django_db

NOTIFY = "/api/v1/payments/wechatpay/notify/"
MCHID, APPID, APIV3_KEY, KEY_ID = (
    "1900000109",
    "wxd678efh567hg6787",
    "a" * 16 + "b" * 16,
    "PUB_KEY_ID_0114232134912410",
)


def _pem_private(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture(scope="module")
def keys():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048), rsa.generate_private_key(
        public_exponent=65537, key_size=2048
    )


@pytest.fixture
def wechat(settings, tmp_path, keys, monkeypatch):
    merchant, platform = keys
    (tmp_path / "merchant.pem").write_text(_pem_private(merchant))
    (tmp_path / "platform_pub.pem").write_bytes(
        platform.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    settings.PAYMENT_PROVIDER = "wechatpay"
    settings.WECHATPAY = {
        "MCHID": MCHID,
        "APPID": APPID,
        "API_V3_KEY": APIV3_KEY,
        "CERT_SERIAL_NO": "5157F09EFDC0",
        "PRIVATE_KEY_PATH": str(tmp_path / "merchant.pem"),
        "PLATFORM_CERT_DIR": None,
        "NOTIFY_URL": "https://unionhub.example/api/v1/payments/wechatpay/notify/",
        "PUBLIC_KEY_PATH": str(tmp_path / "platform_pub.pem"),
        "PUBLIC_KEY_ID": KEY_ID,
    }
    calls = []

    def no_network(*args, **kwargs):
        calls.append((args, kwargs))
        raise AssertionError("outbound network call")

    monkeypatch.setattr(requests.sessions.Session, "request", no_network)
    monkeypatch.setattr(requests, "get", no_network)
    monkeypatch.setattr(requests, "post", no_network)
    return {"platform": platform, "calls": calls}


def notification(platform, resource: dict, *, timestamp=None, serial=KEY_ID, signature=None, drop=()):
    nonce = "fdasfwqewlkja484"
    aes_nonce = os.urandom(6).hex()
    ciphertext = AESGCM(APIV3_KEY.encode()).encrypt(
        aes_nonce.encode(), json.dumps(resource).encode(), b"transaction"
    )
    body = json.dumps(
        {
            "id": "EV-018429304",
            "create_time": "2025-04-15T10:00:00+08:00",
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": {
                "original_type": "transaction",
                "algorithm": "AEAD_AES_256_GCM",
                "associated_data": "transaction",
                "nonce": aes_nonce,
                "ciphertext": base64.b64encode(ciphertext).decode(),
            },
        }
    )
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    if signature is None:
        signed = platform.sign(
            f"{timestamp}\n{nonce}\n{body}\n".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        signature = base64.b64encode(signed).decode()
    headers = {
        "HTTP_WECHATPAY_TIMESTAMP": timestamp,
        "HTTP_WECHATPAY_NONCE": nonce,
        "HTTP_WECHATPAY_SIGNATURE": signature,
        "HTTP_WECHATPAY_SERIAL": serial,
        "HTTP_WECHATPAY_SIGNATURE_TYPE": "WECHATPAY2-SHA256-RSA2048",
    }
    for name in drop:
        headers.pop(name)
    return body, headers


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
def order(april, make_member, wechat, monkeypatch):
    _user, m = make_member()
    credit(m, "2024-01", "2025-03")
    monkeypatch.setattr(
        WeChatPayProvider,
        "create_order",
        lambda self, order, request: OpenedOrder(pay_url="weixin://wxpay/bizpayurl?pr=abc"),
    )
    return services.dues_payment_create(membership=m, year=2025, through_month=8, extra_amount="2")


def post(client, body, headers):
    started = time.monotonic()
    response = client.post(NOTIFY, data=body, content_type="application/json", **headers)
    assert time.monotonic() - started < 5
    return response


def test_valid_notification_is_decrypted_verified_and_credited_once(client, order, wechat):
    body, headers = notification(wechat["platform"], resource_for(order))
    assert post(client, body, headers).status_code == 204
    assert post(client, body, headers).status_code == 204  # the same notification again: nothing more
    order.refresh_from_db()
    assert order.status == "paid" and order.transaction_id == "4200001234202504"
    assert PaidMonth.objects.filter(payment=order).count() == 5
    assert wechat["calls"] == []


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
def test_bad_notifications_refused_nothing_credited_no_network(client, order, wechat, case):
    platform = wechat["platform"]
    resource = resource_for(order)
    kwargs = {}
    if case == "stale":
        kwargs["timestamp"] = int(time.time()) - 301
    elif case == "future":
        kwargs["timestamp"] = int(time.time()) + 301
    elif case == "probe":
        kwargs["signature"] = "WECHATPAY/SIGNTEST/" + "A" * 40
    elif case == "missing_signature":
        kwargs["drop"] = ("HTTP_WECHATPAY_SIGNATURE",)
    elif case == "missing_type":
        kwargs["drop"] = ("HTTP_WECHATPAY_SIGNATURE_TYPE",)
    elif case == "missing_serial":
        kwargs["drop"] = ("HTTP_WECHATPAY_SERIAL",)
    elif case == "unknown_serial":
        kwargs["serial"] = "7132D72A03E93CDDF8C03BBD1F37EEDF"
    elif case == "amount":
        resource["amount"]["total"] = 1
    elif case == "mchid":
        resource["mchid"] = "1900000999"
    elif case == "forged":
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        body, headers = notification(other, resource)
    elif case == "not_success":
        resource["trade_state"] = "NOTPAY"
    if case != "forged":
        body, headers = notification(platform, resource, **kwargs)
    response = post(client, body, headers)
    assert response.status_code == 400
    assert response.json()["code"] == "FAIL"
    assert not PaidMonth.objects.filter(payment__isnull=False).exists()
    order.refresh_from_db()
    assert order.status == "pending" and order.transaction_id is None
    assert PaymentNotification.objects.get().outcome == "rejected"
    assert wechat["calls"] == []


def test_query_reconciles_a_paid_order(order, wechat, monkeypatch):
    from wechatpayv3 import WeChatPay

    monkeypatch.setattr(WeChatPay, "query", lambda self, **kw: (200, json.dumps(resource_for(order))))
    assert services.payment_reconcile()["credited"] == 1
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.PAID
    assert wechat["calls"] == []


def test_native_order_sends_amount_in_fen(april, make_member, wechat, monkeypatch):
    from wechatpayv3 import WeChatPay

    sent = {}

    def fake_pay(self, **kwargs):
        sent.update(kwargs)
        return 200, json.dumps({"code_url": "weixin://wxpay/bizpayurl?pr=XyZ"})

    monkeypatch.setattr(WeChatPay, "pay", fake_pay)
    _user, m = make_member()
    credit(m, "2024-01", "2025-03")
    created = services.dues_payment_create(membership=m, year=2025, through_month=8, extra_amount="2")
    assert created.provider == "wechatpay" and created.provider_ref == "weixin://wxpay/bizpayurl?pr=XyZ"
    assert sent["amount"] == {"total": 5200, "currency": "CNY"} and sent["out_trade_no"] == created.order_no
    assert 6 <= len(created.order_no) <= 32
    assert wechat["calls"] == []


def test_reconcile_expires_an_unpaid_order_and_closes_it(order, wechat, monkeypatch):
    import datetime as dt

    from wechatpayv3 import WeChatPay

    closed = []
    monkeypatch.setattr(
        WeChatPay,
        "query",
        lambda self, **kw: (200, json.dumps({**resource_for(order), "trade_state": "NOTPAY"})),
    )
    monkeypatch.setattr(WeChatPay, "close", lambda self, **kw: closed.append(kw) or (204, ""))
    counts = services.payment_reconcile(now=order.created_at + dt.timedelta(hours=1))
    order.refresh_from_db()
    assert counts == {"credited": 0, "expired": 1} and order.status == "expired"
    assert closed == [{"out_trade_no": order.order_no}]
    assert wechat["calls"] == []


def test_provider_failure_keeps_nothing_and_answers_503(april, make_member, wechat, api_for, monkeypatch):
    from wechatpayv3 import WeChatPay

    monkeypatch.setattr(WeChatPay, "pay", lambda self, **kw: (500, json.dumps({"code": "SYSTEM_ERROR"})))
    user, m = make_member()
    credit(m, "2024-01", "2025-03")
    response = api_for(user).post(
        "/api/v1/me/dues/payments/", {"year": 2025, "through_month": 4}, format="json"
    )
    assert response.status_code == 503 and response.json()["code"] == "payment_unavailable"
    assert not PaymentOrder.objects.exists()
