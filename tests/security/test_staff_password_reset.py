"""Staff password reset by e-mail link (security/staff_reset.py), and a password reset of either kind lifting
the account's login lockout (security/lockout.py): locked out, reset, in at once."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from members.models import User
from notifications import sms
from security.models import VerifiedToken
from tests.members import factories as f
from tests.security.test_sms_recovery import code_for
from unionhub.models import AuditEntry

pytestmark = pytest.mark.django_db
LIMIT = settings.AXES_FAILURE_LIMIT
NEW_PASSWORD = "Qing-shan-2046"
FORM = "/staff/password-reset/"


@pytest.fixture(autouse=True)
def _empty_outboxes():
    sms.outbox.clear()
    mail.outbox.clear()


def _staff(city, email="wang.wu@example.cn") -> User:
    user = city.grassroots_staff
    user.email = email
    user.save(update_fields=["email"])
    return user


def _page(answer) -> str:
    """The page the answer leads to, less its per-request CSRF token."""
    body = Client().get(answer["Location"]).content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)


def _lock_out(client, url, login):
    for _ in range(LIMIT):
        client.post(url, {"username": login, "password": "wrong-password-1"})


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """POST the reset form, running what it queues after commit (the e-mail task, eager in tests)."""

    def post(email: str, client=None):
        with django_capture_on_commit_callbacks(execute=True):
            return (client or Client()).post(FORM, {"email": email})

    return post


def _link() -> str:
    assert len(mail.outbox) == 1
    return re.search(r"https?://[^/\s]+(/staff/password-reset/[^\s]+/)", mail.outbox[0].body).group(1)


def _set_password(client, link) -> object:
    page = client.get(link, follow=True)  # Django moves the token into the session, then shows the form
    assert page.status_code == 200 and 'name="new_password1"' in page.content.decode()
    return client.post(
        page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )


def test_known_and_unknown_addresses_get_the_same_answer(city, ask):
    staff = _staff(city)
    known = ask(staff.email.upper())
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [staff.email]
    unknown = ask("nobody@example.cn")
    assert len(mail.outbox) == 1
    assert (known.status_code, known["Location"], known.content) == (
        unknown.status_code,
        unknown["Location"],
        unknown.content,
    )
    assert _page(known) == _page(unknown)
    assert AuditEntry.objects.filter(
        action="staff_password_reset_link_sent", object_id=str(staff.pk)
    ).exists()


def test_members_and_inactive_staff_get_no_link(city, ask):
    member = f.person_user()
    member.email = "member@example.cn"
    member.save(update_fields=["email"])
    staff = _staff(city)
    User.objects.filter(pk=staff.pk).update(is_active=False)
    for email in (member.email, staff.email):
        assert ask(email).status_code == 302
    assert mail.outbox == []


def test_the_link_sets_a_new_password_and_ends_every_sign_in_of_the_account(city, ask):
    staff = _staff(city)
    User.objects.filter(pk=staff.pk).update(must_change_password=True)
    signed_in = Client()
    signed_in.force_login(staff)
    token = Token.objects.create(user=staff)
    VerifiedToken.objects.create(digest="d" * 64, user=staff)
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    ask(staff.email)
    browser = Client()
    done = _set_password(browser, _link())
    assert done.status_code == 302 and done["Location"] == reverse("staff-password-reset-complete")
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD) and not staff.must_change_password
    assert (
        not Token.objects.filter(pk=token.pk).exists()
        and not VerifiedToken.objects.filter(user=staff).exists()
    )
    assert "_auth_user_id" not in signed_in.session  # the old session is gone
    assert "_auth_user_id" not in browser.session  # nobody is logged in by the reset itself
    assert TOTPDevice.objects.filter(pk=device.pk).exists()  # the second factor stays required
    assert AuditEntry.objects.filter(action="staff_password_reset_by_email", object_id=str(staff.pk)).exists()
    # the link works once
    again = Client().get(_link(), follow=True)
    assert 'name="new_password1"' not in again.content.decode()


def test_a_locked_out_staff_account_logs_in_at_once_after_the_reset(city, client, ask):
    staff = _staff(city)
    url = reverse("admin:login")
    _lock_out(client, url, staff.username)
    assert client.post(url, {"username": staff.username, "password": "Staff-pass-123"}).status_code == 429
    ask(staff.email)
    _set_password(Client(), _link())
    response = client.post(url, {"username": staff.username, "password": NEW_PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(staff.pk)


def test_a_locked_out_member_logs_in_at_once_after_a_reset_by_code(
    api, client, django_capture_on_commit_callbacks
):
    user = f.person_user()
    phone = user.person.phone
    url = reverse("member-login")
    _lock_out(client, url, user.person.id_number)  # counted against the account, whichever login is typed
    assert client.post(url, {"username": phone, "password": f.PASSWORD}).status_code == 429
    code = code_for(api, django_capture_on_commit_callbacks, phone, "reset")
    answer = api.post(
        "/api/v1/auth/password-reset/",
        {"phone": phone, "sms_code": code, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert answer.status_code == 200
    response = client.post(url, {"username": phone, "password": NEW_PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_asking_for_links_is_throttled_per_address(city, settings, ask):
    settings.STAFF_PASSWORD_RESET_RATE = "3/h"
    staff = _staff(city)
    answers = [Client().post(FORM, {"email": f"n{i}@example.cn"}).status_code for i in range(3)]
    assert answers == [302, 302, 302]
    refused = ask(staff.email)
    assert refused.status_code == 429 and mail.outbox == []
