"""Finding 7: the limits took the client's address from X-Forwarded-For whoever sent it, and nothing limited failed
logins across accounts from one address. Now the address is REMOTE_ADDR unless the peer is a trusted proxy, the
same for DRF throttles, django-axes and django-ratelimit, and 20 failures from one address block it."""

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory

from tests.members import factories as f
from unionhub.lib.client_ip import client_ip, ratelimit_key

pytestmark = pytest.mark.django_db


def invented(n: int) -> str:
    return f"203.0.113.{n % 250 + 1}, 198.51.100.{n % 250 + 1}"


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/auth/register/"])
def test_forty_invented_forwarded_addresses_are_still_throttled(path, settings):
    settings.UNIONHUB_LOGIN_FAILURES_PER_ADDRESS = 1000  # the throttle alone is under test here
    client = Client()
    codes = [
        client.post(
            path, {"username": f"nobody{n}", "password": "wrong-pass-1"}, HTTP_X_FORWARDED_FOR=invented(n)
        ).status_code
        for n in range(40)
    ]
    assert codes.count(429) >= 10, codes
    assert 429 not in codes[:30]


def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_on_its_own(settings):
    """The control: when the peer is our proxy, X-Forwarded-For is who the client is."""
    settings.UNIONHUB_TRUSTED_PROXIES = ["127.0.0.0/8"]
    settings.UNIONHUB_LOGIN_FAILURES_PER_ADDRESS = 1000
    client = Client()
    codes = [
        client.post(
            "/api/v1/auth/token/",
            {"username": f"nobody{n}", "password": "wrong-pass-1"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n + 1}",
        ).status_code
        for n in range(40)
    ]
    assert 429 not in codes


def test_client_ip_reads_forwarded_for_only_from_trusted_proxies(settings):
    rf = RequestFactory()
    spoofed = rf.get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(spoofed) == "198.51.100.7"
    settings.UNIONHUB_TRUSTED_PROXIES = ["10.0.0.0/8", "192.168.1.1/32"]
    assert client_ip(spoofed) == "198.51.100.7"
    # via our two proxies; whatever the client wrote at the left of the chain is not believed
    chain = rf.get("/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9, 192.168.1.1")
    assert client_ip(chain) == "198.51.100.9"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="not-an-ip")) == "10.1.2.3"
    assert client_ip(rf.get("/", REMOTE_ADDR="10.1.2.3")) == "10.1.2.3"
    assert ratelimit_key("card", chain) == "198.51.100.9"


def test_axes_records_the_peer_not_an_invented_forwarded_address():
    Client().post(
        "/login/",
        {"username": "nobody", "password": "wrong-pass-1"},
        HTTP_X_FORWARDED_FOR="203.0.113.66",
        REMOTE_ADDR="198.51.100.44",
    )
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["198.51.100.44"]


def test_twenty_accounts_one_wrong_try_each_block_the_address_on_the_page_and_the_api(city):
    accounts = [f.staff(city.grassroots) for _ in range(21)]
    attacker = Client(REMOTE_ADDR="198.51.100.20")
    for n, account in enumerate(accounts[:20]):
        path = "/login/" if n % 2 else "/api/v1/auth/token/"
        response = attacker.post(
            path, {"username": account.username, "password": "wrong-pass-1"}, HTTP_X_FORWARDED_FOR=invented(n)
        )
        assert response.status_code in (200, 400), (n, response.status_code)
    right = {"username": accounts[20].username, "password": "Staff-pass-123"}  # even the right password
    response = attacker.post("/api/v1/auth/token/", right)
    assert response.status_code == 429
    assert response.json()["code"] == "address_locked_out"
    response = attacker.post("/login/", right)
    assert response.status_code == 429
    assert "网络地址的登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in attacker.session
    # another address is not blocked
    assert Client(REMOTE_ADDR="198.51.100.21").post("/api/v1/auth/token/", right).status_code == 200
