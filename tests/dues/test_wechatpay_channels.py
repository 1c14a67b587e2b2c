"""WeChat Pay channels (SPEC §9): each order as the wechatpayv3 SDK builds and signs it, sent to a local stand-in
for the WeChat Pay API that verifies the signature; the parameters handed to the page; the API's `channel`;
the automatic choice by user agent; querying and closing orders of every channel."""

import datetime as dt
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from dues import selectors, services
from dues.models import PaidMonth, PaymentOrder
from security.models import WeChatBinding
from tests.dues.conftest import credit
from tests.dues.wechatpay_standin import (
    APPID,
    MCHID,
    MINIPROGRAM_APPID,
    OFFICIAL_APPID,
    WeChatPayStandIn,
    configure,
    key_pair,
    notification,
    verifies,
    wsgi_headers,
)

pytestmark = pytest.mark.django_db

PAYMENTS = "/api/v1/me/dues/payments/"
OFFICIAL_OPENID, MINI_OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
UA = {
    "desktop": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "iphone": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
    "android": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
    "wechat": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN",
    "miniprogram": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.47.2560(0x28002f35) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64 miniProgram/wx8888888888888888",
}


@pytest.fixture(scope="module")
def keys():
    return key_pair(), key_pair()  # the merchant's API key, the platform's


@pytest.fixture
def standin(settings, tmp_path, keys):
    merchant, platform = keys
    with WeChatPayStandIn(merchant_public_key=merchant.public_key(), platform_key=platform) as server:
        configure(settings, tmp_path, merchant=merchant, platform=platform, base_url=server.url)
        yield server


@pytest.fixture
def member(april, make_member):
    user, membership = make_member()
    credit(membership, "2024-01", "2025-03")
    return user, membership


def bind(user, *, official=True, mini=True):
    if official:
        WeChatBinding.objects.create(user=user, app="official", app_id=OFFICIAL_APPID, openid=OFFICIAL_OPENID)
    if mini:
        WeChatBinding.objects.create(
            user=user, app="miniprogram", app_id=MINIPROGRAM_APPID, openid=MINI_OPENID
        )


def pay(membership, user, channel: str, ua: str = "", **kw):
    choice = selectors.pay_channel(requested=channel, user_agent=ua, user=user)
    return services.dues_payment_create(
        membership=membership,
        year=2025,
        through_month=8,
        extra_amount="2",
        actor=user,
        channel=choice,
        client_ip=kw.get("client_ip", "203.0.113.7"),
        site_url="https://unionhub.example/",
    )


def the_order_request(standin, path):
    sent = standin.api_requests(path)
    assert len(sent) == 1 and sent[0]["method"] == "POST" and sent[0]["verified"]
    return sent[0]["body"]


def assert_pay_params_signed(params, keys, app_id):
    assert params["appId"] == app_id and params["signType"] == "RSA"
    assert params["package"].startswith("prepay_id=wx")
    assert len(params["nonceStr"]) == 32 and params["timeStamp"].isdigit()
    message = f"{app_id}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    assert verifies(keys[0].public_key(), params["paySign"], message)
    assert not verifies(keys[0].public_key(), params["paySign"], message.replace(app_id, APPID + "x"))


# --- each channel as the SDK sends it ------------------------------------------------------------------------


def test_native_order(member, standin):
    user, membership = member
    order = pay(membership, user, "native")
    body = the_order_request(standin, "/v3/pay/transactions/native")
    assert body["appid"] == APPID and body["mchid"] == MCHID and body["out_trade_no"] == order.order_no
    assert body["amount"] == {"total": 5200, "currency": "CNY"} and "payer" not in body
    assert body["notify_url"].endswith("/api/v1/payments/wechatpay/notify/")
    assert order.channel == "native" and order.provider_ref.startswith("weixin://wxpay/bizpayurl?pr=")
    assert order.pay_params == {}


def test_h5_order_sends_scene_info_and_returns_to_the_order_page(member, standin):
    user, membership = member
    order = pay(membership, user, "h5")
    body = the_order_request(standin, "/v3/pay/transactions/h5")
    assert body["appid"] == APPID and "payer" not in body and body["amount"]["total"] == 5200
    assert body["scene_info"] == {
        "payer_client_ip": "203.0.113.7",
        "h5_info": {"type": "Wap", "app_name": "工会会费", "app_url": "https://unionhub.example"},
    }
    assert order.channel == "h5" and order.provider_ref.startswith(standin.url + "/h5pay/?prepay_id=wx")
    back = f"https://unionhub.example/dues/orders/{order.order_no}/?returned=1"
    assert order.provider_ref.endswith("&redirect_url=" + quote(back, safe=""))
    assert parse_qs(urlsplit(order.provider_ref).query)["redirect_url"] == [back]


def test_jsapi_order_uses_the_official_account_openid_and_signs_the_page_parameters(member, standin, keys):
    user, membership = member
    bind(user)
    order = pay(membership, user, "auto", UA["wechat"])
    body = the_order_request(standin, "/v3/pay/transactions/jsapi")
    assert body["appid"] == OFFICIAL_APPID and body["payer"] == {"openid": OFFICIAL_OPENID}
    assert body["mchid"] == MCHID and body["amount"] == {"total": 5200, "currency": "CNY"}
    assert "scene_info" not in body
    assert order.channel == "jsapi"
    assert_pay_params_signed(order.pay_params, keys, OFFICIAL_APPID)


def test_miniprogram_order_uses_the_miniprogram_openid(member, standin, keys):
    user, membership = member
    bind(user)
    order = pay(membership, user, "miniprogram")
    body = the_order_request(standin, "/v3/pay/transactions/jsapi")
    assert body["appid"] == MINIPROGRAM_APPID and body["payer"] == {"openid": MINI_OPENID}
    assert order.channel == "miniprogram"
    assert_pay_params_signed(order.pay_params, keys, MINIPROGRAM_APPID)


def test_a_request_signed_with_another_key_is_refused_by_the_standin_and_nothing_is_kept(
    member, standin, settings, tmp_path
):
    from tests.dues.wechatpay_standin import pem_private

    user, membership = member
    (tmp_path / "other.pem").write_text(pem_private(key_pair()))
    settings.WECHATPAY = {**settings.WECHATPAY, "PRIVATE_KEY_PATH": str(tmp_path / "other.pem")}
    with pytest.raises(services.payments.PaymentUnavailable):
        pay(membership, user, "native")
    assert standin.requests[-1]["verified"] is False
    assert not PaymentOrder.objects.exists()


# --- the API ---------------------------------------------------------------------------------------------------


def test_api_miniprogram_answers_pay_params(member, standin, api_for, keys):
    user, membership = member
    bind(user)
    response = api_for(user).post(
        PAYMENTS,
        {"year": 2025, "through_month": 8, "extra_amount": "2", "channel": "miniprogram"},
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["channel"] == "miniprogram" and data["amount"] == "52.00" and data["status"] == "pending"
    assert set(data["pay_params"]) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert_pay_params_signed(data["pay_params"], keys, MINIPROGRAM_APPID)
    assert data["pay_url"] == f"/dues/orders/{data['order_no']}/"


def test_api_h5_answers_the_h5_url_with_the_payers_address(member, standin, api_for):
    user, _membership = member
    response = api_for(user).post(
        PAYMENTS,
        {"year": 2025, "through_month": 4, "channel": "h5"},
        format="json",
        REMOTE_ADDR="198.51.100.20",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["channel"] == "h5" and data["pay_params"] is None
    assert (
        data["pay_url"].startswith(standin.url + "/h5pay/")
        and "redirect_url=http%3A%2F%2Ftestserver%2F" in data["pay_url"]
    )
    body = the_order_request(standin, "/v3/pay/transactions/h5")
    assert body["scene_info"]["payer_client_ip"] == "198.51.100.20"


@pytest.mark.parametrize(
    ("ua", "bound", "channel", "path"),
    [
        ("desktop", True, "native", "/v3/pay/transactions/native"),
        ("iphone", False, "h5", "/v3/pay/transactions/h5"),
        ("android", False, "h5", "/v3/pay/transactions/h5"),
        ("wechat", True, "jsapi", "/v3/pay/transactions/jsapi"),
        ("wechat", False, "native", "/v3/pay/transactions/native"),  # H5 is refused inside WeChat
        ("miniprogram", True, "miniprogram", "/v3/pay/transactions/jsapi"),
    ],
)
def test_api_auto_picks_the_channel_by_user_agent(member, standin, api_for, ua, bound, channel, path):
    user, _membership = member
    if bound:
        bind(user)
    response = api_for(user).post(
        PAYMENTS, {"year": 2025, "through_month": 4}, format="json", HTTP_USER_AGENT=UA[ua]
    )
    assert response.status_code == 201, response.content
    assert response.json()["channel"] == channel
    assert (response.json()["pay_params"] is not None) == (channel in ("jsapi", "miniprogram"))
    assert len(standin.api_requests(path)) == 1 and len(standin.requests) == 1


@pytest.mark.parametrize(
    ("channel", "bound"), [("jsapi", "mini"), ("miniprogram", "official"), ("jsapi", "none")]
)
def test_a_channel_needing_an_unbound_openid_is_refused(member, standin, api_for, channel, bound):
    user, _membership = member
    if bound != "none":
        bind(user, official=bound == "official", mini=bound == "mini")
    response = api_for(user).post(
        PAYMENTS, {"year": 2025, "through_month": 4, "channel": channel}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "wechat_not_bound"
    assert not PaymentOrder.objects.exists() and standin.requests == []


def test_an_unknown_channel_is_a_field_error(member, standin, api_for):
    user, _membership = member
    response = api_for(user).post(
        PAYMENTS, {"year": 2025, "through_month": 4, "channel": "alipay"}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert "channel" in response.json()["fields"]


def test_the_sandbox_accepts_every_channel_on_its_own_page(member, api_for, settings, client):
    settings.PAYMENT_PROVIDER = "sandbox"
    settings.UNIONHUB_WECHAT_MINIPROGRAM_APPID = MINIPROGRAM_APPID
    user, _membership = member
    bind(user, official=False)
    response = api_for(user).post(
        PAYMENTS, {"year": 2025, "through_month": 4, "channel": "miniprogram"}, format="json"
    )
    assert response.status_code == 201
    data = response.json()
    assert data["channel"] == "miniprogram" and data["pay_params"] is None
    assert data["pay_url"] == f"/dues/sandbox/pay/{data['order_no']}/"
    client.force_login(user)
    page = client.get(data["pay_url"])
    assert page.status_code == 200 and 'data-channel="miniprogram"' in page.content.decode()
    for channel in ("native", "h5"):
        response = api_for(user).post(
            PAYMENTS, {"year": 2025, "through_month": 4, "channel": channel}, format="json"
        )
        assert response.status_code == 201 and response.json()["pay_url"].startswith("/dues/sandbox/pay/")


# --- the choice by user agent ------------------------------------------------------------------------------------


def test_pay_channel_by_user_agent(member, settings):
    settings.UNIONHUB_WECHAT_OFFICIAL_APPID = OFFICIAL_APPID
    settings.UNIONHUB_WECHAT_MINIPROGRAM_APPID = MINIPROGRAM_APPID
    user, _membership = member

    def choose(ua, requested="auto"):
        return selectors.pay_channel(requested=requested, user_agent=UA.get(ua, ua), user=user)

    assert choose("desktop").channel == "native"
    assert choose("iphone").channel == "h5" and choose("android").channel == "h5"
    unbound = choose("wechat")
    assert unbound.channel == "native" and unbound.unbound_in_wechat
    bind(user)
    bound = choose("wechat")
    assert (bound.channel, bound.app_id, bound.openid) == ("jsapi", OFFICIAL_APPID, OFFICIAL_OPENID)
    mini = choose("miniprogram")
    assert (mini.channel, mini.app_id, mini.openid) == ("miniprogram", MINIPROGRAM_APPID, MINI_OPENID)
    assert choose("", requested="h5").channel == "h5"  # explicit: taken as asked
    assert choose("desktop", requested="jsapi").channel == "jsapi"


# --- query and close for every channel -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "appid", "trade_type"),
    [("native", APPID, "NATIVE"), ("h5", APPID, "MWEB"), ("jsapi", OFFICIAL_APPID, "JSAPI")],
)
def test_reconcile_credits_a_paid_order_of_the_channel(member, standin, channel, appid, trade_type):
    user, membership = member
    bind(user)
    order = pay(membership, user, channel)
    standin.mark_paid(order, appid=appid, trade_type=trade_type)
    assert services.payment_reconcile() == {"credited": 1, "expired": 0}
    order.refresh_from_db()
    assert order.status == "paid" and PaidMonth.objects.filter(payment=order).count() == 5
    query = standin.api_requests(f"/v3/pay/transactions/out-trade-no/{order.order_no}")
    assert [(q["method"], q["path"], q["verified"]) for q in query] == [
        ("GET", f"/v3/pay/transactions/out-trade-no/{order.order_no}?mchid={MCHID}", True)
    ]


def test_a_miniprogram_payment_in_its_own_appid_is_credited(member, standin):
    user, membership = member
    bind(user)
    order = pay(membership, user, "miniprogram")
    standin.mark_paid(order, appid=MINIPROGRAM_APPID, trade_type="JSAPI")
    assert services.payment_reconcile()["credited"] == 1


def test_a_payment_in_a_foreign_appid_is_not_credited(member, standin):
    user, membership = member
    order = pay(membership, user, "h5")
    standin.mark_paid(order, appid="wx0000000000000000", trade_type="MWEB")
    assert services.payment_reconcile()["credited"] == 0
    order.refresh_from_db()
    assert order.status == "pending"


@pytest.mark.parametrize("channel", ["native", "h5", "jsapi"])
def test_reconcile_expires_and_closes_an_unpaid_order_of_the_channel(member, standin, channel):
    user, membership = member
    bind(user)
    order = pay(membership, user, channel)
    counts = services.payment_reconcile(now=order.created_at + dt.timedelta(hours=1))
    order.refresh_from_db()
    assert counts == {"credited": 0, "expired": 1} and order.status == "expired"
    about = standin.api_requests(f"/v3/pay/transactions/out-trade-no/{order.order_no}")
    # asked first (the stand-in answers NOTPAY), closed once expired
    assert [(r["method"], r["answer"] and r["answer"].get("trade_state")) for r in about] == [
        ("GET", "NOTPAY"),
        ("POST", None),
    ]
    close = standin.api_requests(f"/v3/pay/transactions/out-trade-no/{order.order_no}/close")
    assert len(close) == 1 and close[0]["verified"] and close[0]["body"] == {"mchid": MCHID}
    assert close[0]["status"] == 204


def test_a_jsapi_notification_is_credited(member, standin, keys, client):
    user, membership = member
    bind(user)
    order = pay(membership, user, "jsapi")
    resource = standin.mark_paid(order, appid=OFFICIAL_APPID, trade_type="JSAPI")
    body, headers = notification(keys[1], resource)
    response = client.post(
        "/api/v1/payments/wechatpay/notify/",
        data=body,
        content_type="application/json",
        **wsgi_headers(headers),
    )
    assert response.status_code == 204
    order.refresh_from_db()
    assert order.status == "paid"


# --- the member's pay page -------------------------------------------------------------------------------------


def test_pay_page_inside_wechat_without_a_binding_shows_the_qr_code(member, standin, client):
    user, _membership = member
    client.force_login(user)
    response = client.post(
        "/dues/pay/?year=2025",
        {"year": 2025, "through_month": 4, "extra_amount": "0"},
        HTTP_USER_AGENT=UA["wechat"],
    )
    order = PaymentOrder.objects.get()
    assert response.status_code == 302 and response.url == f"/dues/orders/{order.order_no}/"
    assert order.channel == "native" and len(standin.api_requests("/v3/pay/transactions/native")) == 1
    page = client.get(response.url).content.decode()
    assert 'alt="微信支付二维码"' in page and 'data-channel="native"' in page


def test_order_page_of_an_h5_order_hands_the_h5_url_to_the_script_and_sends_its_origin(
    member, standin, client
):
    user, _membership = member
    client.force_login(user)
    client.post(
        "/dues/pay/?year=2025",
        {"year": 2025, "through_month": 4, "extra_amount": "0"},
        HTTP_USER_AGENT=UA["android"],
    )
    order = PaymentOrder.objects.get()
    response = client.get(f"/dues/orders/{order.order_no}/")
    assert order.channel == "h5" and response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    data = response.context["pay_data"]
    assert data["h5_url"] == order.provider_ref and data["returned"] is False
    assert 'id="pay-data" type="application/json"' in response.content.decode()
    assert "<script>" not in response.content.decode()  # no inline script under the CSP
    assert client.get(f"/dues/orders/{order.order_no}/?returned=1").context["pay_data"]["returned"] is True
