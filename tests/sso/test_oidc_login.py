"""Institutional SSO (统一身份认证) against a real OpenID Connect provider on loopback (tests/sso/conftest.py):
the code is exchanged, the RS256 ID token checked against the provider's JWKS, and the claim mapped to a person."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from axes.models import AccessAttempt
from django.test import Client

from members import services
from members.identity import identity_verified_by
from members.models import User
from tests.members import factories as f
from tests.sso.conftest import provider_sign_in
from unionhub.models import AuditEntry

pytestmark = pytest.mark.django_db


def _logged_in_as(client) -> int | None:
    value = client.session.get("_auth_user_id")
    return int(value) if value else None


def test_a_member_signs_in_as_their_own_account(city, sso_on):
    user, _membership = f.member(city.branch)
    sso_on.set_claims({"id_number": user.person.id_number, "name": user.person.name})
    client = Client()
    response = client.get(provider_sign_in(client))
    assert response.status_code == 302 and response["Location"] == "/"
    assert _logged_in_as(client) == user.pk
    assert "sso" in identity_verified_by(user)
    entry = AuditEntry.objects.get(action="login_by_sso")
    assert entry.object_id == str(user.pk) and user.person.id_number not in str(entry.detail)
    assert client.get("/").status_code == 200


def test_the_id_number_claim_is_normalised_before_lookup(city, sso_on):
    user, _membership = f.member(city.branch)
    sso_on.set_claims({"id_number": f"  {user.person.id_number.lower()} "})
    client = Client()
    client.get(provider_sign_in(client))
    assert _logged_in_as(client) == user.pk


def test_a_person_on_record_without_an_account_gets_one_bound_to_them(city, sso_on):
    person = services.person_create(name="李四", id_number=f.id_number(), phone=f.phone())
    sso_on.set_claims({"id_number": person.id_number})
    client = Client()
    client.get(provider_sign_in(client))
    user = User.objects.get(person=person)
    assert _logged_in_as(client) == user.pk
    assert not user.has_usable_password() and not user.is_staff
    assert identity_verified_by(user) == ["sso"]


def test_an_unknown_person_gets_the_not_on_record_page_and_no_account(city, sso_on):
    sso_on.set_claims({"id_number": f.id_number()})
    users_before = User.objects.count()
    client = Client()
    response = client.get(provider_sign_in(client))
    assert response.status_code == 403
    body = response.content.decode()
    assert "未找到您的会员记录" in body and "/register/" in body
    assert _logged_in_as(client) is None
    assert User.objects.count() == users_before
    assert AccessAttempt.objects.filter(failures_since_start=1).exists()  # counted like a wrong password
    assert AuditEntry.objects.filter(action="login_by_sso_refused", detail__reason="no_person").exists()


def test_a_staff_account_is_never_signed_in_by_sso(city, sso_on):
    user, _membership = f.member(city.branch)
    User.objects.filter(pk=user.pk).update(is_staff=True, union=city.branch)
    sso_on.set_claims({"id_number": user.person.id_number})
    client = Client()
    response = client.get(provider_sign_in(client))
    assert response.status_code == 403 and "管理后台" in response.content.decode()
    assert _logged_in_as(client) is None
    assert "sso" not in identity_verified_by(user)


def test_a_person_named_by_staff_number(city, sso_on, settings):
    settings.UNIONHUB_OIDC_PERSON_CLAIM = "employee_no"
    settings.UNIONHUB_OIDC_PERSON_KEY = "staff_number"
    user, _membership = f.member(city.branch)
    user.person.staff_number = "T2026001"
    user.person.save(update_fields=["staff_number"])
    sso_on.set_claims({"employee_no": "T2026001", "id_number": f.id_number()})
    client = Client()
    client.get(provider_sign_in(client))
    assert _logged_in_as(client) == user.pk


def test_a_tampered_state_is_refused(city, sso_on):
    user, _membership = f.member(city.branch)
    sso_on.set_claims({"id_number": user.person.id_number})
    client = Client()
    callback = urlsplit(provider_sign_in(client))
    query = {k: v[0] for k, v in parse_qs(callback.query).items()}
    response = client.get(f"{callback.path}?{urlencode({**query, 'state': query['state'] + 'x'})}")
    assert response.status_code == 400
    assert _logged_in_as(client) is None
    # the real state, once refused elsewhere, still works only for this browser
    response = client.get(f"{callback.path}?{callback.query}")
    assert _logged_in_as(client) == user.pk


def test_an_absent_state_is_refused(city, sso_on):
    user, _membership = f.member(city.branch)
    sso_on.set_claims({"id_number": user.person.id_number})
    client = Client()
    callback = urlsplit(provider_sign_in(client))
    code = parse_qs(callback.query)["code"][0]
    response = client.get(f"{callback.path}?{urlencode({'code': code})}")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert _logged_in_as(client) is None


def test_a_callback_in_another_browser_is_refused(city, sso_on):
    user, _membership = f.member(city.branch)
    sso_on.set_claims({"id_number": user.person.id_number})
    callback = provider_sign_in(Client())
    other = Client()
    response = other.get(callback)
    assert response.status_code in (302, 400)
    assert _logged_in_as(other) is None


def test_the_login_page_shows_the_sso_button_only_when_configured(settings, sso_on):
    assert "统一身份认证登录" in Client().get("/login/").content.decode()
    settings.UNIONHUB_OIDC_ISSUER = ""
    assert "统一身份认证登录" not in Client().get("/login/").content.decode()
    assert Client().get("/sso/login/").status_code == 404
