"""WeChat login and binding (SPEC §9) against a stand-in for WeChat's servers on loopback (tests.wechat_server):
mini-program login by code, bind tickets turned into bindings by a phone code or the password, one account per
openid, unbinding, the Official Account web OAuth with its state, and the access-token cache under concurrency."""

import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.core.cache import caches
from django.test import Client
from rest_framework.authtoken.models import Token

from members.models import IdentityVerification
from notifications import sms
from security import wechat as services
from security.models import WeChatBinding
from security.wechat_bindings import wechat_openid
from tests.members import factories as f
from tests.wechat_server import MINI_APPID, OFFICIAL_APPID, SESSION_KEY
from unionhub.lib import wechat
from unionhub.models import AuditEntry

pytestmark = pytest.mark.django_db
WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 "
    "MicroMessenger/8.0.50.2701(0x28003237) NetType/WIFI Language/zh_CN"
)
PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.outbox.clear()


def login(api, code):
    return api.post("/api/v1/auth/wechat/miniprogram/", {"code": code}, format="json")


def ticket_for(api, wechat_server, *, code="code-1", openid="o-mini-1", unionid="u-1") -> str:
    wechat_server.sessions[code] = {"openid": openid, "unionid": unionid}
    answer = login(api, code)
    assert answer.status_code == 200, answer.content
    return answer.json()["bind_ticket"]


def bind_code(api, capture, phone) -> str:
    with capture(execute=True):
        sent = api.post("/api/v1/auth/sms-codes/", {"phone": phone, "purpose": "bind"}, format="json")
    assert sent.status_code == 202
    return sms.outbox[-1]["params"]["code"]


# --- mini-program login --------------------------------------------------------------------------------------


def test_unknown_openid_gets_a_short_lived_bind_ticket_without_the_session_key(api, wechat_server, settings):
    wechat_server.sessions["good"] = {"openid": "o-mini-1", "unionid": "u-1"}

    answer = login(api, "good")

    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"bind_ticket", "expires_in"}
    assert body["expires_in"] == settings.UNIONHUB_WECHAT_BIND_TICKET_SECONDS
    assert SESSION_KEY not in answer.content.decode()
    ticket = signing.loads(body["bind_ticket"], salt=services.TICKET_SALT)
    assert ticket == {"app": "miniprogram", "app_id": MINI_APPID, "openid": "o-mini-1", "unionid": "u-1"}
    assert wechat_server.requests == ["/sns/jscode2session"]


def test_bound_openid_logs_in_with_the_accounts_token(api, wechat_server):
    user = f.person_user()
    WeChatBinding.objects.create(user=user, app="miniprogram", app_id=MINI_APPID, openid="o-mini-1")
    wechat_server.sessions["good"] = {"openid": "o-mini-1", "unionid": "u-new"}

    answer = login(api, "good")

    assert answer.status_code == 200
    assert answer.json() == {"token": Token.objects.get(user=user).key}
    assert WeChatBinding.objects.get(user=user).unionid == "u-new"
    assert AuditEntry.objects.filter(action="wechat.login", object_id=str(user.pk)).exists()


def test_bad_code_is_refused(api, wechat_server):
    answer = login(api, "never-issued")

    assert answer.status_code == 400
    assert answer.json()["code"] == "wechat_code_invalid"


def test_a_code_is_good_once(api, wechat_server):
    ticket_for(api, wechat_server, code="once")
    assert login(api, "once").json()["code"] == "wechat_code_invalid"


def test_rate_limited_answer_is_told_as_try_later(api, wechat_server):
    wechat_server.sessions["busy-minute"] = {"errcode": 45011, "errmsg": "api minute-quota reach limit"}
    wechat_server.sessions["busy"] = {"errcode": -1, "errmsg": "system error"}

    limited = login(api, "busy-minute")
    busy = login(api, "busy")

    assert limited.status_code == 429 and limited.json()["code"] == "wechat_rate_limited"
    assert busy.status_code == 503 and busy.json()["code"] == "wechat_unavailable"
    assert "bind_ticket" not in limited.json() and "token" not in busy.json()


def test_not_configured_mini_program_is_refused_without_calling_wechat(api, wechat_server, settings):
    settings.UNIONHUB_WECHAT_MINIPROGRAM_SECRET = ""
    answer = login(api, "anything")
    assert answer.status_code == 400 and answer.json()["code"] == "wechat_not_configured"
    assert wechat_server.requests == []


# --- binding -------------------------------------------------------------------------------------------------


def test_bind_by_phone_code_binds_records_wechat_identity_and_answers_a_token(
    api, wechat_server, django_capture_on_commit_callbacks
):
    user = f.person_user()
    ticket = ticket_for(api, wechat_server)
    code = bind_code(api, django_capture_on_commit_callbacks, user.person.phone)

    answer = api.post(
        "/api/v1/auth/wechat/bind/",
        {"bind_ticket": ticket, "phone": user.person.phone, "sms_code": code},
        format="json",
    )

    assert answer.status_code == 200
    assert answer.json() == {"token": Token.objects.get(user=user).key}
    binding = WeChatBinding.objects.get(user=user)
    assert (binding.app, binding.app_id, binding.openid, binding.unionid) == (
        "miniprogram",
        MINI_APPID,
        "o-mini-1",
        "u-1",
    )
    assert IdentityVerification.objects.filter(user=user, method="wechat").exists()
    assert wechat_openid(user, MINI_APPID) == "o-mini-1"
    # the next wx.login logs straight in
    wechat_server.sessions["later"] = {"openid": "o-mini-1"}
    assert login(api, "later").json() == {"token": Token.objects.get(user=user).key}


def test_bind_with_a_wrong_code_binds_nothing(api, wechat_server, django_capture_on_commit_callbacks):
    user = f.person_user()
    ticket = ticket_for(api, wechat_server)
    code = bind_code(api, django_capture_on_commit_callbacks, user.person.phone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    answer = api.post(
        "/api/v1/auth/wechat/bind/",
        {"bind_ticket": ticket, "phone": user.person.phone, "sms_code": wrong},
        format="json",
    )

    assert answer.status_code == 400 and answer.json()["code"] == "sms_code_invalid"
    assert not WeChatBinding.objects.exists()


@pytest.mark.parametrize("username", ["phone", "id_number"])
def test_bind_by_password_with_phone_or_id_number(api, wechat_server, username):
    user = f.person_user()
    ticket = ticket_for(api, wechat_server)

    wrong = api.post(
        "/api/v1/auth/wechat/bind/",
        {"bind_ticket": ticket, "phone": getattr(user.person, username), "password": "not-the-password"},
        format="json",
    )
    right = api.post(
        "/api/v1/auth/wechat/bind/",
        {"bind_ticket": ticket, "phone": getattr(user.person, username), "password": f.PASSWORD},
        format="json",
    )

    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_credentials"
    assert right.status_code == 200 and right.json() == {"token": Token.objects.get(user=user).key}
    assert WeChatBinding.objects.get(user=user).openid == "o-mini-1"


def test_bind_needs_the_code_or_the_password_not_both(api, wechat_server):
    user = f.person_user()
    ticket = ticket_for(api, wechat_server)
    neither = api.post(
        "/api/v1/auth/wechat/bind/", {"bind_ticket": ticket, "phone": user.person.phone}, format="json"
    )
    both = api.post(
        "/api/v1/auth/wechat/bind/",
        {"bind_ticket": ticket, "phone": user.person.phone, "sms_code": "123456", "password": f.PASSWORD},
        format="json",
    )
    assert neither.status_code == 400 and both.status_code == 400
    assert not WeChatBinding.objects.exists()


def test_forged_or_expired_ticket_is_refused(api, wechat_server, settings):
    user = f.person_user()
    ticket = ticket_for(api, wechat_server)
    forged = signing.dumps(
        {"app": "miniprogram", "app_id": MINI_APPID, "openid": "o-someone", "unionid": ""},
        salt="another-salt",
    )
    for bad in (forged, ticket[:-2] + "xx"):
        answer = api.post(
            "/api/v1/auth/wechat/bind/",
            {"bind_ticket": bad, "phone": user.person.phone, "password": f.PASSWORD},
            format="json",
        )
        assert answer.status_code == 400 and answer.json()["code"] == "bind_ticket_invalid"
    settings.UNIONHUB_WECHAT_BIND_TICKET_SECONDS = -1  # every ticket is past its life
    expired = api.post(
        "/api/v1/auth/wechat/bind/",
        {"bind_ticket": ticket, "phone": user.person.phone, "password": f.PASSWORD},
        format="json",
    )
    assert expired.status_code == 400 and expired.json()["code"] == "bind_ticket_invalid"
    assert not WeChatBinding.objects.exists()


def test_one_account_per_openid_a_second_bind_is_refused(api, wechat_server):
    first, second = f.person_user(), f.person_user(name="李四")
    ticket_a = ticket_for(api, wechat_server, code="a", openid="o-shared")
    ticket_b = ticket_for(api, wechat_server, code="b", openid="o-shared")  # before the first was bound

    bound = api.post(
        "/api/v1/auth/wechat/bind/",
        {"bind_ticket": ticket_a, "phone": first.person.phone, "password": f.PASSWORD},
        format="json",
    )
    refused = api.post(
        "/api/v1/auth/wechat/bind/",
        {"bind_ticket": ticket_b, "phone": second.person.phone, "password": f.PASSWORD},
        format="json",
    )

    assert bound.status_code == 200
    assert refused.status_code == 409 and refused.json()["code"] == "wechat_openid_bound"
    assert list(WeChatBinding.objects.values_list("user", flat=True)) == [first.pk]
    assert "token" not in refused.json()


def test_an_account_bound_to_another_openid_is_refused(api, wechat_server):
    user = f.person_user()
    WeChatBinding.objects.create(user=user, app="miniprogram", app_id=MINI_APPID, openid="o-old")
    ticket = ticket_for(api, wechat_server, openid="o-new")

    answer = api.post(
        "/api/v1/auth/wechat/bind/",
        {"bind_ticket": ticket, "phone": user.person.phone, "password": f.PASSWORD},
        format="json",
    )

    assert answer.status_code == 409 and answer.json()["code"] == "wechat_account_bound"
    assert WeChatBinding.objects.get(user=user).openid == "o-old"


def test_staff_accounts_cannot_bind(api, wechat_server, city):
    staff = city.branch_staff
    ticket = ticket_for(api, wechat_server)
    answer = api.post(
        "/api/v1/auth/wechat/bind/",
        {"bind_ticket": ticket, "phone": staff.username, "password": "Staff-pass-123"},
        format="json",
    )
    assert answer.status_code == 400 and answer.json()["code"] == "wechat_not_allowed"
    assert not WeChatBinding.objects.exists()


def test_unbind_removes_the_bindings_and_is_audited(api_for, api, wechat_server):
    user = f.person_user()
    WeChatBinding.objects.create(user=user, app="miniprogram", app_id=MINI_APPID, openid="o-mini-1")
    WeChatBinding.objects.create(user=user, app="official", app_id=OFFICIAL_APPID, openid="o-web-1")
    me = api_for(user)

    unknown = me.delete("/api/v1/me/wechat/?app=weibo")
    assert unknown.status_code == 400 and unknown.json()["code"] == "invalid"
    assert WeChatBinding.objects.filter(user=user).count() == 2
    one = me.delete("/api/v1/me/wechat/?app=official")
    assert one.status_code == 204
    assert list(WeChatBinding.objects.filter(user=user).values_list("app", flat=True)) == ["miniprogram"]
    rest = me.delete("/api/v1/me/wechat/")
    assert rest.status_code == 204
    assert not WeChatBinding.objects.filter(user=user).exists()
    assert AuditEntry.objects.filter(action="wechat.unbound", object_id=str(user.pk)).count() == 2
    # the openid is unknown again: a login gets a bind ticket
    wechat_server.sessions["again"] = {"openid": "o-mini-1"}
    assert "bind_ticket" in login(api, "again").json()
    assert api.delete("/api/v1/me/wechat/").status_code in (401, 403)


# --- Official Account web OAuth ------------------------------------------------------------------------------


def _oauth_redirect(response, wechat_server) -> dict:
    assert response.status_code == 302, response.status_code
    url = urlsplit(response["Location"])
    assert f"{url.scheme}://{url.netloc}" == wechat_server.base and url.path == "/connect/oauth2/authorize"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["appid"] == OFFICIAL_APPID and query["scope"] == "snsapi_base"
    assert urlsplit(query["redirect_uri"]).path == "/wechat/oauth/callback/"
    return query


def test_member_page_inside_wechat_binds_the_official_openid_once(wechat_server):
    user = f.person_user()
    browser = Client(HTTP_USER_AGENT=WECHAT_UA)
    browser.force_login(user)

    query = _oauth_redirect(browser.get("/profile/"), wechat_server)
    wechat_server.oauth_codes["web-code"] = "o-web-1"
    back = browser.get("/wechat/oauth/callback/", {"code": "web-code", "state": query["state"]})

    assert back.status_code == 302 and back["Location"] == "/profile/"
    binding = WeChatBinding.objects.get(user=user)
    assert (binding.app, binding.app_id, binding.openid, binding.auto_login) == (
        "official",
        OFFICIAL_APPID,
        "o-web-1",
        False,
    )
    assert browser.get("/profile/").status_code == 200  # bound: no more redirects


def test_dues_pages_inside_wechat_bind_too_but_not_the_api(wechat_server, api_for):
    user = f.person_user()
    browser = Client(HTTP_USER_AGENT=WECHAT_UA)
    browser.force_login(user)
    assert api_for(user).get("/api/v1/me/", HTTP_USER_AGENT=WECHAT_UA).status_code == 200
    query = _oauth_redirect(browser.get("/dues/"), wechat_server)
    assert query["state"] == browser.session["wechat_oauth_state"]


def test_oauth_callback_with_a_bad_state_is_refused_and_binds_nothing(wechat_server):
    user = f.person_user()
    browser = Client(HTTP_USER_AGENT=WECHAT_UA)
    browser.force_login(user)
    query = _oauth_redirect(browser.get("/"), wechat_server)
    wechat_server.oauth_codes["web-code"] = "o-web-1"

    refused = browser.get("/wechat/oauth/callback/", {"code": "web-code", "state": query["state"] + "x"})
    replayed = browser.get("/wechat/oauth/callback/", {"code": "web-code", "state": query["state"]})

    assert refused.status_code == 400 and 'data-testid="wechat-refused"' in refused.content.decode()
    assert replayed.status_code == 400  # the state was spent by the refused callback
    assert not WeChatBinding.objects.exists()
    assert "/sns/oauth2/access_token" not in wechat_server.requests
    assert browser.get("/").status_code == 200  # tried once this session: no redirect loop


def test_no_oauth_outside_wechat_or_when_not_configured(wechat_server, settings):
    user = f.person_user()
    phone = Client(HTTP_USER_AGENT=PHONE_UA)
    phone.force_login(user)
    assert phone.get("/").status_code == 200
    settings.UNIONHUB_WECHAT_OFFICIAL_APPID = ""
    inside = Client(HTTP_USER_AGENT=WECHAT_UA)
    inside.force_login(user)
    assert inside.get("/").status_code == 200


def test_bound_member_who_chose_it_is_signed_in_inside_wechat(wechat_server):
    user = f.person_user()
    WeChatBinding.objects.create(
        user=user, app="official", app_id=OFFICIAL_APPID, openid="o-web-1", auto_login=True
    )
    browser = Client(HTTP_USER_AGENT=WECHAT_UA)

    query = _oauth_redirect(browser.get("/card/"), wechat_server)
    wechat_server.oauth_codes["web-code"] = "o-web-1"
    back = browser.get("/wechat/oauth/callback/", {"code": "web-code", "state": query["state"]})

    assert back.status_code == 302 and back["Location"] == "/card/"
    assert browser.session["_auth_user_id"] == str(user.pk)
    assert AuditEntry.objects.filter(action="wechat.login", object_id=str(user.pk)).exists()


def test_bound_member_who_did_not_choose_it_must_log_in(wechat_server):
    user = f.person_user()
    WeChatBinding.objects.create(user=user, app="official", app_id=OFFICIAL_APPID, openid="o-web-1")
    browser = Client(HTTP_USER_AGENT=WECHAT_UA)

    query = _oauth_redirect(browser.get("/"), wechat_server)
    wechat_server.oauth_codes["web-code"] = "o-web-1"
    browser.get("/wechat/oauth/callback/", {"code": "web-code", "state": query["state"]})

    assert "_auth_user_id" not in browser.session
    assert browser.get("/").status_code == 302  # to the login page, not WeChat again
    assert "/login/" in browser.get("/")["Location"]


def test_member_turns_auto_login_on_and_off_on_the_wechat_page(wechat_server):
    user = f.person_user()
    WeChatBinding.objects.create(user=user, app="official", app_id=OFFICIAL_APPID, openid="o-web-1")
    browser = Client()
    browser.force_login(user)

    assert browser.post("/account/wechat/", {"action": "auto_login_on"}).status_code == 302
    assert WeChatBinding.objects.get(user=user).auto_login is True
    assert "已开启" in browser.get("/account/wechat/").content.decode()
    browser.post("/account/wechat/", {"action": "auto_login_off"})
    assert WeChatBinding.objects.get(user=user).auto_login is False
    browser.post("/account/wechat/", {"action": "unbind", "app": "official"})
    assert not WeChatBinding.objects.filter(user=user).exists()


def test_auto_login_never_signs_in_a_staff_account(wechat_server, city):
    staff = city.branch_staff
    WeChatBinding.objects.create(
        user=staff, app="official", app_id=OFFICIAL_APPID, openid="o-web-staff", auto_login=True
    )
    browser = Client(HTTP_USER_AGENT=WECHAT_UA)
    query = _oauth_redirect(browser.get("/"), wechat_server)
    wechat_server.oauth_codes["web-code"] = "o-web-staff"
    browser.get("/wechat/oauth/callback/", {"code": "web-code", "state": query["state"]})
    assert "_auth_user_id" not in browser.session


# --- access tokens -------------------------------------------------------------------------------------------


@pytest.fixture
def redis_cache(settings):
    """A real shared cache (Redis on 127.0.0.1:6379) for the token: the test settings' cache is per process."""
    settings.CACHES = {
        **settings.CACHES,
        "wechat-test": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": "uh-wechat-test",
        },
    }
    settings.UNIONHUB_WECHAT_CACHE = "wechat-test"
    cache = caches["wechat-test"]
    try:
        cache.clear()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"Redis on 127.0.0.1:6379 not reachable: {exc}")
    yield cache
    cache.clear()


def test_access_token_fetched_once_under_concurrent_refreshes(wechat_server, redis_cache):
    wechat_server.token_delay = 0.3  # slow enough that every thread asks while the first fetch is under way
    start = threading.Barrier(8)
    tokens, errors = [], []

    def worker():
        try:
            start.wait()
            tokens.append(wechat.access_token(wechat.MINIPROGRAM))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert not errors
    assert wechat_server.token_fetches == 1
    assert tokens == [wechat_server.tokens[0]] * 8
    assert wechat.access_token(wechat.MINIPROGRAM) == wechat_server.tokens[0]  # from the cache
    assert wechat_server.token_fetches == 1
    key = redis_cache.make_and_validate_key(f"wechat:access-token:{MINI_APPID}")
    ttl = redis_cache._cache.get_client(key).ttl(key)
    assert 6800 < ttl <= 7200 - 300  # renewed before WeChat's expiry


def test_access_token_classic_api_and_invalidation(wechat_server, redis_cache, settings):
    settings.UNIONHUB_WECHAT_STABLE_TOKEN = False
    first = wechat.access_token(wechat.OFFICIAL)
    wechat.access_token_invalidate(wechat.OFFICIAL, first)
    second = wechat.access_token(wechat.OFFICIAL)

    assert first != second and wechat_server.token_fetches == 2
    assert wechat_server.requests == ["/cgi-bin/token", "/cgi-bin/token"]
    assert first.startswith(f"AT-{OFFICIAL_APPID}-")


def test_inside_wechat_forms_may_lead_to_the_wechat_authorisation_page(wechat_server):
    """A form sent inside WeChat (the login, say) redirects home, which goes on to WeChat's authorisation page:
    browsers hold every hop of a form's redirects to the page's CSP form-action, so inside WeChat that names
    WeChat's origin too; elsewhere it stays 'self'."""
    inside = Client(HTTP_USER_AGENT=WECHAT_UA).get("/login/")["Content-Security-Policy"]
    outside = Client(HTTP_USER_AGENT=PHONE_UA).get("/login/")["Content-Security-Policy"]
    form_action = lambda policy: next(d for d in policy.split("; ") if d.startswith("form-action"))  # noqa: E731
    assert form_action(inside) == f"form-action 'self' {wechat_server.base}"
    assert form_action(outside) == "form-action 'self'"
