"""Login throttling (django-axes), sessions, password quality."""

import logging
import time

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse

from tests.members import factories as f
from tests.security.codes import register_with_code, sms_code_for
from unionhub.models import AuditEntry

LIMIT = settings.AXES_FAILURE_LIMIT


def _fail(client, url, username, n, **extra):
    for _ in range(n):
        client.post(url, {"username": username, "password": "wrong-password-1"}, **extra)


@pytest.mark.django_db
def test_member_login_page_locks_out_after_repeated_failures_even_with_the_right_password(client, caplog):
    user = f.person_user()
    login = user.person.phone
    url = reverse("member-login")
    with caplog.at_level(logging.WARNING):
        _fail(client, url, login, LIMIT)
    response = client.post(url, {"username": login, "password": f.PASSWORD})
    assert response.status_code == 429
    assert "登录已暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert any("locked out" in r.getMessage() for r in caplog.records)
    assert AuditEntry.objects.filter(action="login_locked_out").exists()


@pytest.mark.django_db
def test_lockout_is_per_username_and_ip(client):
    user, other = f.person_user(), f.person_user()
    _fail(client, reverse("member-login"), user.person.phone, LIMIT)
    # the same IP with another login still works
    response = client.post(reverse("member-login"), {"username": other.person.phone, "password": f.PASSWORD})
    assert response.status_code == 302
    # the locked login from another address still works
    client.logout()
    response = client.post(
        reverse("member-login"),
        {"username": user.person.phone, "password": f.PASSWORD},
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_success_before_the_limit_resets_the_count(client):
    user = f.person_user()
    url = reverse("member-login")
    _fail(client, url, user.person.phone, LIMIT - 1)
    assert client.post(url, {"username": user.person.phone, "password": f.PASSWORD}).status_code == 302
    client.logout()
    _fail(client, url, user.person.phone, LIMIT - 1)
    assert client.post(url, {"username": user.person.phone, "password": f.PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_admin_login_locks_out(client, city):
    url = reverse("admin:login")
    _fail(client, url, city.grassroots_staff.username, LIMIT)
    response = client.post(url, {"username": city.grassroots_staff.username, "password": "Staff-pass-123"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_api_token_locks_out_and_axes_sees_the_drf_request(api):
    user = f.person_user()
    url = reverse("api-token")
    for _ in range(LIMIT - 1):
        response = api.post(url, {"username": user.person.id_number, "password": "wrong-password-1"})
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_credentials"
    response = api.post(url, {"username": user.person.id_number, "password": "wrong-password-1"})
    assert response.status_code == 429  # the failure that reaches the limit locks
    assert AccessAttempt.objects.get().failures_since_start == LIMIT
    response = api.post(url, {"username": user.person.id_number, "password": f.PASSWORD})
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert "token" not in response.json()


@pytest.mark.django_db
def test_axes_counts_phone_and_id_number_against_one_account_without_storing_either(api):
    user = f.person_user()
    api.post(reverse("api-token"), {"username": user.person.phone, "password": "wrong-password-1"})
    api.post(reverse("api-token"), {"username": user.person.id_number, "password": "wrong-password-1"})
    attempt = AccessAttempt.objects.get()
    assert attempt.username == user.username
    assert attempt.failures_since_start == 2


@pytest.mark.django_db
def test_axes_stores_unknown_numbers_as_masked_pseudonyms(api):
    number = f.phone()
    api.post(reverse("api-token"), {"username": number, "password": "wrong-password-1"})
    stored = AccessAttempt.objects.get().username
    assert number not in stored
    assert stored.startswith(number[:3] + "****" + number[7:] + "#")


@pytest.mark.django_db
def test_lockout_log_line_masks_the_phone_through_the_configured_handler(client, tmp_path):
    from unionhub.lib.logging import MaskPersonalDataFilter

    user = f.person_user()
    log_file = tmp_path / "app.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.addFilter(MaskPersonalDataFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        _fail(client, reverse("member-login"), user.person.phone, LIMIT)
    finally:
        root.removeHandler(handler)
        handler.close()
    text = log_file.read_text(encoding="utf-8")
    assert "locked out" in text
    assert user.person.phone not in text


@pytest.mark.django_db
def test_session_key_rotates_on_login(client):
    user = f.person_user()
    session = client.session
    session["seen_before_login"] = True
    session.save()
    before = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = before
    response = client.post(reverse("member-login"), {"username": user.person.phone, "password": f.PASSWORD})
    assert response.status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.session["_auth_user_id"] == str(user.pk)


def _logged_in(client):
    user = f.person_user()
    assert (
        client.post(
            reverse("member-login"), {"username": user.person.phone, "password": f.PASSWORD}
        ).status_code
        == 302
    )
    assert client.get(reverse("member-home")).status_code == 200
    return user


@pytest.mark.django_db
def test_idle_session_ends(client, monkeypatch):
    _logged_in(client)
    now = time.time()
    monkeypatch.setattr("unionhub.middleware.time.time", lambda: now + settings.SESSION_IDLE_SECONDS - 30)
    assert client.get(reverse("member-home")).status_code == 200  # activity within the limit keeps it alive
    monkeypatch.setattr("unionhub.middleware.time.time", lambda: now + 2 * settings.SESSION_IDLE_SECONDS + 60)
    response = client.get(reverse("member-home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("member-login"))


@pytest.mark.django_db
def test_active_session_still_ends_at_the_absolute_limit(client, monkeypatch):
    _logged_in(client)
    start = time.time()
    step = settings.SESSION_IDLE_SECONDS - 60
    t = start
    while t + step < start + settings.SESSION_COOKIE_AGE:  # never idle for long
        t += step
        monkeypatch.setattr("unionhub.middleware.time.time", lambda t=t: t)
        assert client.get(reverse("member-home")).status_code == 200
    monkeypatch.setattr("unionhub.middleware.time.time", lambda: start + settings.SESSION_COOKIE_AGE + 1)
    response = client.get(reverse("member-home"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_session_cookie_expires_with_the_absolute_limit(client):
    user = f.person_user()
    response = client.post(reverse("member-login"), {"username": user.person.phone, "password": f.PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE
    assert cookie["httponly"]


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["password123", "12345678", "qwertyuiop"])
def test_register_api_refuses_common_passwords(api, password):
    phone = f.phone()
    code = sms_code_for(phone, "register")
    response = api.post(
        reverse("api-register"),
        {"name": "王五", "id_number": f.id_number(), "phone": phone, "sms_code": code, "password": password},
    )
    assert response.status_code == 400
    assert "password" in response.json()["detail"]
    # the refused password did not cost the code
    good = api.post(
        reverse("api-register"),
        {
            "name": "王五",
            "id_number": f.id_number(),
            "phone": phone,
            "sms_code": code,
            "password": "Lan-shan-7-qiao",
        },
    )
    assert good.status_code == 201


@pytest.mark.django_db
def test_register_api_accepts_a_good_password(api):
    response = register_with_code(
        api, name="王五", id_number=f.id_number(), phone=f.phone(), password="Lan-shan-7-qiao"
    )
    assert response.status_code == 201
