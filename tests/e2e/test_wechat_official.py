"""Member pages opened inside WeChat, in a real browser (SPEC §9): the Official Account's web OAuth
(`snsapi_base`) through a loopback stand-in for WeChat's authorisation page and API, which answers as WeChat
does (a silent redirect back with a code and the state). A logged-in member is bound once; a bound member who
chose it is signed in without a password. The browser keeps the authorisation URL's `#wechat_redirect` fragment across the
redirects, as inside WeChat."""

import re

import pytest
from playwright.sync_api import expect

from security.models import WeChatBinding
from tests.e2e.test_wechat_pay import WECHAT_UA, phone
from tests.members import factories as f
from tests.wechat_server import OFFICIAL_APPID

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_member_who_logs_in_inside_wechat_is_bound_once_through_the_oauth_pages(
    live_server, browser, wechat_server
):
    union = f.union(name="热能工程系分工会")
    user, _membership = f.member(union)
    wechat_server.authorize_as = "o-browser-1"
    context, page = phone(browser, WECHAT_UA)
    try:
        hops = []
        page.on("request", lambda r: r.is_navigation_request() and hops.append(r.url))
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", user.person.phone)
        page.fill("#id_password", f.PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(rf"{live_server.url}/(#wechat_redirect)?$"))  # via WeChat and back home
        assert any(h.startswith(f"{wechat_server.base}/connect/oauth2/authorize") for h in hops), hops
        assert any("/wechat/oauth/callback/?code=" in h for h in hops), hops
        binding = WeChatBinding.objects.get(user=user)
        assert (binding.app, binding.app_id, binding.openid) == ("official", OFFICIAL_APPID, "o-browser-1")
        expect(page.locator("body")).to_contain_text("热能工程系分工会")
        hops.clear()
        page.goto(f"{live_server.url}/profile/")  # bound: no more trips to WeChat
        assert not any(h.startswith(wechat_server.base) for h in hops), hops
        assert wechat_server.requests.count("/connect/oauth2/authorize") == 1
    finally:
        context.close()


def test_a_bound_member_who_chose_it_is_signed_in_inside_wechat_without_a_password(
    live_server, browser, wechat_server
):
    union = f.union(name="热能工程系分工会")
    user, _membership = f.member(union)
    WeChatBinding.objects.create(
        user=user, app="official", app_id=OFFICIAL_APPID, openid="o-browser-2", auto_login=True
    )
    wechat_server.authorize_as = "o-browser-2"
    context, page = phone(browser, WECHAT_UA)
    try:
        page.goto(f"{live_server.url}/card/")
        page.wait_for_url(re.compile(rf"{live_server.url}/card/(#wechat_redirect)?$"))
        expect(page.locator("body")).to_contain_text("热能工程系分工会")
        assert "/sns/oauth2/access_token" in wechat_server.requests
        # someone else's WeChat on the same page is not signed in: the login page, and WeChat is not asked again
        other, other_page = phone(browser, WECHAT_UA)
        try:
            wechat_server.authorize_as = "o-stranger"
            other_page.goto(f"{live_server.url}/card/")
            other_page.wait_for_url("**/login/**")
            other_page.goto(f"{live_server.url}/card/")
            other_page.wait_for_url("**/login/**")
            assert wechat_server.requests.count("/connect/oauth2/authorize") == 2
        finally:
            other.close()
    finally:
        context.close()
