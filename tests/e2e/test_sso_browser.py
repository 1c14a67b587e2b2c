"""Institutional SSO in a real browser: the login page's button, the provider's login and consent pages (the
test provider of tests/sso/ on loopback), and back on the member's home page, signed in."""

import pytest

from tests.e2e.conftest import screenshot
from tests.members import factories as f
from tests.sso.conftest import CLIENT, PASSWORD, USER, oidc_provider  # noqa: F401 (the provider fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_member_signs_in_with_institutional_sso(city, live_server, phone_page, settings, oidc_provider):  # noqa: F811
    settings.UNIONHUB_OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT["id"]
    settings.OIDC_RP_CLIENT_SECRET = CLIENT["secret"]
    settings.UNIONHUB_OIDC_PERSON_CLAIM = "id_number"
    settings.UNIONHUB_OIDC_PERSON_KEY = "id_number"
    user, _membership = f.member(city.branch, name="统小认")
    oidc_provider.set_claims({"id_number": user.person.id_number})
    page = phone_page
    page.goto(f"{live_server.url}/login/")
    screenshot(page, "sso-login-page")
    page.get_by_role("link", name="统一身份认证登录").click()
    page.wait_for_url(f"{oidc_provider.issuer.removesuffix('/o')}/accounts/login/**")
    page.fill("input[name=username]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "统小认" in page.content()
    screenshot(page, "sso-signed-in")
