"""The pay page picks the WeChat Pay channel from the browser (SPEC §9), with the WeChat Pay provider talking to a
local stand-in for the WeChat Pay API: inside WeChat with a bound openid the page calls WeixinJSBridge with the
signed parameters (a fake bridge records them and answers ok); a phone browser goes to the H5 cashier (the
stand-in's page) with the return page."""

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import expect

from dues.models import PaymentOrder
from security.models import WeChatBinding
from tests.dues.conftest import credit, seed_rates
from tests.dues.wechatpay_standin import (
    OFFICIAL_APPID,
    WeChatPayStandIn,
    configure,
    key_pair,
    notification,
    verifies,
)
from tests.members import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WECHAT_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
)
PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.0 Mobile/15E148 Safari/604.1"
)
# A fake WeixinJSBridge: records what the page hands to getBrandWCPayRequest and answers as WeChat does on success.
FAKE_BRIDGE = """
window.WeixinJSBridge = {
  invoke: function (name, params, callback) {
    window.recordPayCall(name, params).then(function () {
      callback({err_msg: "get_brand_wcpay_request:ok"});
    });
  }
};
"""


@pytest.fixture(scope="module")
def keys():
    return key_pair(), key_pair()


@pytest.fixture
def standin(settings, tmp_path, keys):
    merchant, platform = keys
    with WeChatPayStandIn(merchant_public_key=merchant.public_key(), platform_key=platform) as server:
        configure(settings, tmp_path, merchant=merchant, platform=platform, base_url=server.url)
        yield server


@pytest.fixture
def member(settings):
    settings.UNIONHUB_TODAY = "2025-04-15"
    seed_rates()
    union = f.union(name="能源与动力工程系分工会")
    user, membership = f.member(union, joined_on=dt.date(2024, 1, 10))
    credit(membership, "2024-01", "2025-03")
    return user, membership


def phone(browser, user_agent):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", device_scale_factor=2, user_agent=user_agent
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def login_and_pay(page, live_server, user):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.person.phone)
    page.fill("#id_password", f.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/dues/pay/")
    page.select_option("#id_through_month", "6")
    page.get_by_test_id("pay-submit").click()


def test_inside_wechat_the_page_pays_by_jsapi_with_the_signed_parameters(
    live_server, browser, standin, member, keys
):
    user, _membership = member
    WeChatBinding.objects.create(
        user=user, app="official", app_id=OFFICIAL_APPID, openid="oUpF8uMuAJO_M2pxb1Q9"
    )
    context, page = phone(browser, WECHAT_UA)
    try:
        calls = []
        page.expose_function(
            "recordPayCall", lambda name, params: calls.append({"name": name, "params": params})
        )
        page.add_init_script(FAKE_BRIDGE)
        login_and_pay(page, live_server, user)
        page.wait_for_url("**/dues/orders/*/?returned=1")
        expect(page.get_by_test_id("pay-waiting")).to_be_visible()
        order = PaymentOrder.objects.get()
        assert order.channel == "jsapi" and len(calls) == 1
        assert calls[0]["name"] == "getBrandWCPayRequest" and calls[0]["params"] == order.pay_params
        params = calls[0]["params"]
        message = f"{params['appId']}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
        assert params["appId"] == OFFICIAL_APPID and verifies(
            keys[0].public_key(), params["paySign"], message
        )
        jsapi = standin.api_requests("/v3/pay/transactions/jsapi")
        assert len(jsapi) == 1 and jsapi[0]["verified"]
        assert jsapi[0]["body"]["payer"] == {"openid": "oUpF8uMuAJO_M2pxb1Q9"}
        # WeChat Pay's notification arrives: the waiting page notices and shows the order paid
        resource = standin.mark_paid(order, appid=OFFICIAL_APPID, trade_type="JSAPI")
        body, headers = notification(keys[1], resource)
        answer = requests.post(
            f"{live_server.url}/api/v1/payments/wechatpay/notify/",
            data=body.encode(),
            headers={**headers, "Content-Type": "application/json"},
            timeout=10,
        )
        assert answer.status_code == 204
        expect(page.get_by_test_id("order-status")).to_have_attribute("data-status", "paid", timeout=15000)
        expect(page.get_by_test_id("pay-done")).to_be_visible()
    finally:
        context.close()


def test_a_phone_browser_goes_to_the_h5_cashier_with_the_return_page(live_server, browser, standin, member):
    user, _membership = member
    context, page = phone(browser, PHONE_UA)
    try:
        login_and_pay(page, live_server, user)
        page.wait_for_url(f"{standin.url}/h5pay/**")
        expect(page.locator("#h5-cashier")).to_be_visible()
        order = PaymentOrder.objects.get()
        assert order.channel == "h5"
        visit = standin.h5_visits[-1]
        assert visit["query"]["redirect_url"] == [
            f"{live_server.url}/dues/orders/{order.order_no}/?returned=1"
        ]
        assert visit["referer"].startswith(live_server.url)  # WeChat checks the H5 domain by the Referer
        h5 = standin.api_requests("/v3/pay/transactions/h5")
        assert len(h5) == 1 and h5[0]["verified"]
        assert h5[0]["body"]["scene_info"]["payer_client_ip"] == "127.0.0.1"
        assert h5[0]["body"]["scene_info"]["h5_info"]["type"] == "Wap"
        # back from WeChat: the order page waits for the result instead of going to the cashier again
        page.goto(visit["query"]["redirect_url"][0])
        expect(page.get_by_test_id("pay-waiting")).to_be_visible()
        assert urlsplit(page.url).netloc == urlsplit(live_server.url).netloc
        assert parse_qs(urlsplit(page.url).query) == {"returned": ["1"]}
    finally:
        context.close()
