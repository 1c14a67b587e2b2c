"""2FA on every door: an account that must use a second factor gets no staff power from a session or a token
that did not pass one. Every URL pattern of the site (the access-matrix registry) is walked with a county
admin's password-only session and with a token made without a code; the victim is in that admin's own county,
so any staff power that leaked would show the victim's data or change the victim's rows."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from members.models import Union
from security.models import VerifiedToken
from security.otp import token_digest
from tests.security.conftest import totp_code
from tests.security.test_access_matrix import (
    DENIED,
    OPEN,
    REGISTRY,
    admin_entries,
    all_patterns,
    snapshot,
    tamper,
    world,  # noqa: F401 (a fixture)
)

STAFF_PASSWORD = "Staff-pass-123"


def password_only_session(user) -> Client:
    client = Client(raise_request_exception=False)
    response = client.post(reverse("member-login"), {"username": user.username, "password": STAFF_PASSWORD})
    assert response.status_code == 302, "the password login itself works"
    return client


def walk_site(v, browser_for, api_client) -> tuple[list[str], int]:
    registry = {**admin_entries(), **REGISTRY}
    problems, requests = [], 0
    before = snapshot(v)
    browser = browser_for()
    for pattern in all_patterns():
        entry = registry[pattern]
        urls = entry.urls(v)
        for item in urls if isinstance(urls, list) else [urls]:
            url, methods = item if isinstance(item, tuple) else (item, entry.methods)
            for method in methods:
                client = api_client if url.startswith("/api/") else browser
                data = {**tamper(v), **entry.data(v)} if method != "GET" else None
                if method == "GET":
                    response = client.get(url)
                else:
                    response = getattr(client, method.lower())(
                        url,
                        data,
                        **(
                            {"content_type": "application/json"}
                            if url.startswith("/api/") and method != "POST"
                            else {}
                        ),
                    )
                requests += 1
                where = f"{method} {url} ({pattern})"
                if response.status_code not in (OPEN if entry.public else DENIED):
                    problems.append(f"{where}: status {response.status_code}")
                body = b"".join(response) if response.streaming else response.content
                text = body.decode("utf-8", errors="replace")
                # a public page form posted back with its errors keeps what was typed: not a leak
                typed = (
                    {value for value in data.values() if isinstance(value, str)}
                    if entry.public and method == "POST" and not url.startswith(("/api/", "/admin/"))
                    else set()
                )
                leaked = [s for s in v.secrets if s and s in text and s not in url and s not in typed]
                if leaked:
                    problems.append(f"{where}: body shows {leaked}")
                if method != "GET":
                    browser = browser_for()  # the POST may have been a logout
                    after = snapshot(v)
                    if after != before:
                        problems.append(f"{where}: changed {[k for k in before if before[k] != after[k]]}")
                    before = after
    return problems, requests


@pytest.mark.django_db
def test_password_only_session_and_unverified_token_of_a_county_admin_open_no_staff_door(
    request, city, require_2fa
):
    v = request.getfixturevalue("world")
    admin_user = city.county_a_admin
    assert v.union.path.startswith(admin_user.union.path), "the victim is in the admin's own county"
    unions_before = Union.objects.count()
    token = Token.objects.create(user=admin_user)  # e.g. made in the admin, or before the account needed 2FA
    api_client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {token.key}")
    problems, requests = walk_site(v, lambda: password_only_session(admin_user), api_client)
    session_api = password_only_session(admin_user)
    for client in (session_api, api_client):  # finding 3: this one answered 201
        response = client.post(
            "/api/v1/unions/",
            {"name": "新工会", "code": "X-9", "level": "branch", "parent": v.union.pk},
            content_type="application/json",
        )
        if response.status_code != 403:
            problems.append(f"POST /api/v1/unions/: {response.status_code}")
    assert Union.objects.count() == unions_before
    print(f"2FA doors: {requests} requests")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_same_doors_open_after_the_code(city, require_2fa, totp_device, settings):
    """The control: a verified session and a token issued with the code do have the county admin's powers."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    admin_user = city.county_a_admin
    device = totp_device(admin_user)
    stale = Token.objects.create(user=admin_user)
    client = password_only_session(admin_user)
    assert client.get(reverse("admin:members_person_changelist")).status_code == 302
    assert client.post(reverse("security-otp-verify"), {"token": totp_code(device)}).status_code == 302
    assert client.get(reverse("admin:members_person_changelist")).status_code == 200
    assert client.get("/api/v1/memberships/").status_code == 200
    response = client.post(
        "/api/v1/unions/",
        {"name": "新工会", "code": "X-9", "level": "branch", "parent": city.grassroots.pk},
        content_type="application/json",
    )
    assert response.status_code == 201

    response = Client().post(
        "/api/v1/auth/token/",
        {
            "username": admin_user.username,
            "password": STAFF_PASSWORD,
            "otp_token": totp_code(device, offset_steps=1),
        },
    )
    assert response.status_code == 200
    key = response.json()["token"]
    assert key != stale.key, "a token made without the code is replaced, not promoted"
    assert not Token.objects.filter(key=stale.key).exists()
    assert VerifiedToken.objects.filter(digest=token_digest(Token.objects.get(key=key))).exists()
    assert not VerifiedToken.objects.filter(digest=key).exists(), "the key itself is never stored there"
    api_client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get("/api/v1/memberships/").status_code == 200


def _verified(client: Client, device) -> Client:
    """Mark a logged-in test session as having passed the device (what django-otp's login() stores)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.mark.django_db
def test_clear_exports_and_reveals_need_a_verified_second_factor_for_any_staff(city, totp_device):
    """Finding 4: grassroots staff holding members.reveal_person, logged in with the password only (their account
    is not one that must use 2FA), got clear ID numbers and phones. Now: masked export, no reveal."""
    from django.contrib.auth.models import Permission

    from tests.datawork.conftest import admin_export, sheet_rows
    from tests.datawork.test_exports import HEADER_ROW
    from tests.members import factories as f

    _user, membership = f.member(city.grassroots, name="待查会员")
    person = membership.person
    staff = city.grassroots_staff
    staff.user_permissions.add(Permission.objects.get(codename="reveal_person"))
    export_url = reverse("admin:datawork_unionreview_export", args=[city.grassroots.pk, "roster"])
    reveal_url = reverse("admin:members_person_reveal", args=[person.pk, "id_number"])

    client = Client()
    client.force_login(staff)
    rows = sheet_rows(admin_export(client, export_url))
    assert rows[HEADER_ROW + 1][3] == person.id_number_masked
    assert person.id_number not in str(rows) and person.phone not in str(rows)
    response = client.get(reveal_url)
    assert response.status_code == 302 and response.url.startswith(reverse("security-otp-enrol"))
    assert person.id_number not in client.get(reveal_url, follow=True).content.decode()

    _verified(client, totp_device(staff))
    rows = sheet_rows(admin_export(client, export_url))
    assert rows[HEADER_ROW + 1][3] == person.id_number and rows[HEADER_ROW + 1][6] == person.phone
    assert person.id_number in client.get(reveal_url).content.decode()
