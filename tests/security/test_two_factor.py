"""Two-factor authentication (django-otp TOTP): staff may turn it on; city and county admins must."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from tests.security.conftest import totp_code

STAFF_PASSWORD = "Staff-pass-123"


def _password_login(client, user):
    response = client.post(
        reverse("admin:login"),
        {"username": user.username, "password": STAFF_PASSWORD, "next": reverse("admin:index")},
    )
    assert response.status_code == 302
    return client.get(reverse("admin:index"), follow=True)


@pytest.mark.django_db
def test_county_admin_without_device_is_sent_to_enrolment_and_cannot_open_the_admin(
    client, city, require_2fa
):
    response = _password_login(client, city.county_a_admin)
    assert response.redirect_chain[-1][0].startswith(reverse("security-otp-enrol"))
    page = response.content.decode()
    assert "<svg" in page and "市、县区总工会管理员必须开启两步验证" in page
    for url in (reverse("admin:index"), reverse("admin:members_person_changelist")):
        assert client.get(url).status_code == 302


@pytest.mark.django_db
def test_enrolment_shows_an_svg_qr_and_a_right_code_opens_the_admin(client, city, require_2fa, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp slows retries after a wrong code; not under test here
    _password_login(client, city.city_admin)
    response = client.get(reverse("security-otp-enrol"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    device = TOTPDevice.objects.get(user=city.city_admin)
    assert not device.confirmed
    assert "<svg" in response.content.decode()
    response = client.post(
        reverse("security-otp-enrol"), {"token": "000000" if totp_code(device) != "000000" else "111111"}
    )
    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    response = client.post(
        reverse("security-otp-enrol"),
        {"token": totp_code(device), "next": reverse("admin:members_person_changelist")},
    )
    assert response.status_code == 302
    assert response.url == reverse("admin:members_person_changelist")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_enrolled_admin_must_enter_a_code_on_each_login(client, city, require_2fa, totp_device):
    device = totp_device(city.county_b_admin)
    response = _password_login(client, city.county_b_admin)
    assert response.redirect_chain[-1][0].startswith(reverse("security-otp-verify"))
    assert client.get(reverse("admin:index")).status_code == 302
    assert client.post(reverse("security-otp-verify"), {"token": "12345"}).status_code == 200
    response = client.post(reverse("security-otp-verify"), {"token": totp_code(device)})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_grassroots_staff_need_no_second_factor_but_may_turn_it_on(client, city, require_2fa):
    response = _password_login(client, city.grassroots_staff)
    assert response.status_code == 200 and response.redirect_chain == []
    client.get(reverse("security-otp-enrol"))
    device = TOTPDevice.objects.get(user=city.grassroots_staff)
    client.post(reverse("security-otp-enrol"), {"token": totp_code(device)})
    device.refresh_from_db()
    assert device.confirmed
    client.logout()
    response = _password_login(client, city.grassroots_staff)  # now they must, like county admins
    assert response.redirect_chain[-1][0].startswith(reverse("security-otp-verify"))


@pytest.mark.django_db
def test_setting_off_lets_county_admins_in_with_the_password(client, city, settings):
    settings.UNIONHUB_REQUIRE_ADMIN_2FA = False
    response = _password_login(client, city.county_a_admin)
    assert response.redirect_chain == []
    assert response.status_code == 200


@pytest.mark.django_db
def test_members_have_no_enrolment_page(client, city):
    from tests.members import factories as f

    client.force_login(f.person_user())
    assert client.get(reverse("security-otp-enrol")).status_code == 404


@pytest.mark.django_db
def test_api_token_for_a_county_admin_needs_the_code(api, city, require_2fa, totp_device):
    url = reverse("api-token")
    credentials = {"username": city.county_a_admin.username, "password": STAFF_PASSWORD}
    response = api.post(url, credentials)
    assert response.status_code == 400
    assert response.json()["code"] == "otp_required"
    device = totp_device(city.county_a_admin)
    response = api.post(url, {**credentials, "otp_token": totp_code(device)})
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=city.county_a_admin).key


@pytest.mark.django_db
def test_staff_api_refuses_an_unverified_session_of_a_county_admin(client, city, require_2fa):
    client.post(
        reverse("member-login"), {"username": city.county_a_admin.username, "password": STAFF_PASSWORD}
    )
    assert client.get(reverse("api-memberships")).status_code == 403
