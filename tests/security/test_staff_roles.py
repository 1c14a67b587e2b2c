"""Staff powers come from named roles: nobody grants themselves power in the admin, password resets go only
downward by union admins and force a new password, token and TOTP device pages are the superuser's."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from members import roles
from members.models import User
from tests.members import factories as f
from unionhub.models import AuditEntry

NEW_PASSWORD = "Qing-shan-9-lu"


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def powers(user) -> tuple:
    user = User.objects.get(pk=user.pk)
    return (
        user.is_superuser,
        user.is_staff,
        user.is_union_admin,
        user.is_active,
        user.union_id,
        user.username,
        sorted(user.user_permissions.values_list("pk", flat=True)),
        sorted(user.groups.values_list("pk", flat=True)),
        user.password,
    )


def escalation_post(user, city) -> dict:
    perms = Permission.objects.filter(
        codename__in=["reveal_person", "view_tokenproxy", "view_totpdevice", "change_user", "change_group"]
    )
    return {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "is_union_admin": "on",
        "union": city.city.pk,
        "user_permissions": [p.pk for p in perms],
        "groups": list(Group.objects.values_list("pk", flat=True)),
        "roles": [role.key for role in roles.ROLES],
        "date_joined_0": "2020-01-01",
        "date_joined_1": "00:00:00",
        "last_login_0": "",
        "last_login_1": "",
        "_save": "Save",
    }


# --- roles -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_role_groups_hold_exactly_their_permission_sets():
    for role in roles.ROLES:
        group = Group.objects.get(name=role.name)
        held = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert held == set(role.permissions), role.key
    assert not Group.objects.filter(name="union_staff").exists()
    reveal = {r.key for r in roles.ROLES if "members.reveal_person" in r.permissions}
    assert reveal == {"reveal"}  # clear numbers are their own grant
    for role in roles.ROLES:
        assert not any(p.startswith(("auth.", "authtoken.", "otp_totp.", "axes.")) for p in role.permissions)


@pytest.mark.django_db
def test_roles_sync_puts_a_tampered_group_back():
    group = Group.objects.get(name=roles.FINANCE.name)
    group.permissions.add(Permission.objects.get(codename="reveal_person"))
    group.permissions.remove(*group.permissions.filter(codename="view_paymentorder"))
    roles.roles_sync()
    held = {
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
    }
    assert held == set(roles.FINANCE.permissions)


@pytest.mark.django_db
def test_each_role_gives_its_powers_and_no_other(city):
    approver = f.staff(city.branch, roles=["approver"])
    finance = f.staff(city.branch, roles=["finance"])
    assert approver.has_perm("applications.change_joinapplication")
    assert not approver.has_perm("dues.add_paidmonth")
    assert finance.has_perm("dues.add_paidmonth")
    assert not finance.has_perm("applications.change_joinapplication")
    assert not finance.has_perm("members.reveal_person")
    assert f.staff(city.branch, roles=["reveal"]).has_perm("members.reveal_person")


# --- finding 1: self-escalation through the admin ----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["branch_staff", "grassroots_staff", "county_a_admin"])
def test_staff_cannot_escalate_through_their_own_user_page(city, who):
    user = getattr(city, who)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))  # legacy
    before = powers(user)
    client = browser(user)
    url = reverse("admin:members_user_change", args=[user.pk])
    response = client.post(url, escalation_post(user, city))
    assert response.status_code in (302, 403, 404, 200)
    assert powers(user) == before
    page = client.get(url)
    if page.status_code == 200:
        text = page.content.decode()
        for name in (
            "user_permissions",
            "is_superuser",
            'name="groups"',
            'name="union"',
            'name="is_union_admin"',
            'name="roles"',
        ):
            assert name not in text, name


@pytest.mark.django_db
def test_union_admin_sets_roles_below_but_extra_fields_change_nothing(city):
    target = f.staff(city.branch, roles=["approver"])
    client = browser(city.grassroots_staff)
    url = reverse("admin:members_user_change", args=[target.pk])
    page = client.get(url).content.decode()
    assert 'name="roles"' in page and "user_permissions" not in page and "is_superuser" not in page
    data = {**escalation_post(target, city), "union": city.branch2.pk, "roles": ["finance", "reveal"]}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    target = User.objects.get(pk=target.pk)
    assert roles.user_role_keys(target) == ["finance", "union_admin", "reveal"]
    assert target.is_union_admin and target.union_id == city.branch2.pk
    assert not target.is_superuser and target.is_staff
    assert not target.user_permissions.exists()
    assert AuditEntry.objects.filter(action="staff_roles_set", object_id=str(target.pk)).exists()


@pytest.mark.django_db
def test_union_admin_cannot_move_staff_to_its_own_union_or_outside(city):
    target = f.staff(city.branch)
    before = powers(target)
    client = browser(city.grassroots_staff)
    url = reverse("admin:members_user_change", args=[target.pk])
    for union in (city.grassroots, city.county_a, city.other):
        client.post(url, {**escalation_post(target, city), "union": union.pk, "roles": ["approver"]})
        assert powers(target)[4] == before[4]


@pytest.mark.django_db
def test_union_admin_cannot_edit_staff_of_its_own_union_or_above(city):
    colleague = f.staff(city.grassroots, roles=["approver"])
    for target in (colleague, city.county_a_admin, city.sibling_staff):
        before = powers(target)
        client = browser(city.grassroots_staff)
        response = client.post(
            reverse("admin:members_user_change", args=[target.pk]),
            {**escalation_post(target, city), "union": city.branch.pk, "roles": ["reveal"]},
        )
        assert response.status_code in (302, 403, 404)
        assert powers(target) == before


@pytest.mark.django_db
def test_union_admin_adds_staff_below_with_roles_only(city):
    client = browser(city.grassroots_staff)
    data = {
        "username": "new_branch_staff",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "union": city.branch.pk,
        "roles": ["approver"],
        "is_active": "on",
        "is_superuser": "on",
        "user_permissions": [Permission.objects.get(codename="reveal_person").pk],
        "groups": list(Group.objects.values_list("pk", flat=True)),
        "_save": "Save",
    }
    response = client.post(reverse("admin:members_user_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="new_branch_staff")
    assert (user.union_id, user.is_staff, user.is_superuser, user.is_union_admin) == (
        city.branch.pk,
        True,
        False,
        False,
    )
    assert roles.user_role_keys(user) == ["approver"]
    assert not user.user_permissions.exists()
    # not in its own union
    client.post(
        reverse("admin:members_user_add"), {**data, "username": "same_level", "union": city.grassroots.pk}
    )
    assert not User.objects.filter(username="same_level").exists()


@pytest.mark.django_db
def test_plain_staff_does_not_see_the_user_admin(city):
    client = browser(city.branch_staff)
    assert client.get(reverse("admin:members_user_changelist")).status_code == 403
    assert client.get(reverse("admin:members_user_add")).status_code == 403


# --- finding 1: tokens and TOTP secrets ------------------------------------------------------------------


@pytest.mark.django_db
def test_token_and_totp_admin_are_superuser_only_even_with_raw_permissions(city):
    device = TOTPDevice.objects.create(user=city.city_admin, name="app", confirmed=True)
    token, _ = Token.objects.get_or_create(user=city.city_admin)
    staff = city.branch_staff
    staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label__in=["authtoken", "otp_totp", "auth"])
    )  # as if granted before roles existed
    client = browser(staff)
    for url in (
        reverse("admin:authtoken_tokenproxy_changelist"),
        reverse("admin:authtoken_tokenproxy_change", args=[city.city_admin.pk]),
        reverse("admin:otp_totp_totpdevice_changelist"),
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk]),
        reverse("admin:otp_totp_totpdevice_config", args=[device.pk]),
        reverse("admin:otp_totp_totpdevice_qrcode", args=[device.pk]),
        reverse("admin:auth_group_changelist"),
    ):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert token.key not in response.content.decode()
        assert device.key not in response.content.decode()


@pytest.mark.django_db
def test_totp_secret_is_never_shown_after_enrolment_even_to_a_superuser(city):
    root = User.objects.create_superuser("root", password="Root-pass-12345")
    device = TOTPDevice.objects.create(user=city.county_a_admin, name="app", confirmed=True)
    client = browser(root)
    for url in (
        reverse("admin:otp_totp_totpdevice_changelist"),
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert device.key not in response.content.decode()
        assert "qrcode" not in response.content.decode()
    for url in (
        reverse("admin:otp_totp_totpdevice_config", args=[device.pk]),
        reverse("admin:otp_totp_totpdevice_qrcode", args=[device.pk]),
    ):
        assert client.get(url).status_code in (403, 404)
    # a POSTed key is not taken either
    client.post(
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk]),
        {
            "user": city.county_a_admin.pk,
            "name": "app",
            "confirmed": "on",
            "key": "00" * 20,
            "step": 30,
            "t0": 0,
            "digits": 6,
            "tolerance": 1,
            "drift": 0,
            "throttling_failure_count": 0,
        },
    )
    device.refresh_from_db()
    assert device.key != "00" * 20


@pytest.mark.django_db
def test_token_keys_are_not_listed_even_to_a_superuser(city):
    root = User.objects.create_superuser("root", password="Root-pass-12345")
    token, _ = Token.objects.get_or_create(user=city.city_admin)
    response = browser(root).get(reverse("admin:authtoken_tokenproxy_changelist"))
    assert response.status_code == 200
    assert token.key not in response.content.decode()


# --- finding 2: password resets ------------------------------------------------------------------------------


def reset(client, target):
    return client.post(
        reverse("admin:auth_user_password_change", args=[target.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )


@pytest.mark.django_db
def test_non_admin_staff_cannot_reset_a_password_downward(city):
    plain = f.staff(city.grassroots)  # grassroots staff, not a union admin
    plain.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )  # legacy
    target = f.staff(city.branch, admin=True)
    response = reset(browser(plain), target)
    assert response.status_code in (403, 404)
    assert User.objects.get(pk=target.pk).check_password("Staff-pass-123")


@pytest.mark.django_db
def test_union_admin_cannot_reset_sideways_upward_or_its_own(city):
    colleague = f.staff(city.grassroots)
    client = browser(city.grassroots_staff)
    for target in (colleague, city.county_a_admin, city.sibling_staff, city.grassroots_staff):
        assert reset(client, target).status_code in (403, 404)
        assert User.objects.get(pk=target.pk).check_password("Staff-pass-123")


@pytest.mark.django_db
def test_union_admin_resets_below_audited_and_the_account_must_change_it(city):
    target = city.branch_staff
    response = reset(browser(city.grassroots_staff), target)
    assert response.status_code == 302
    target = User.objects.get(pk=target.pk)
    assert target.check_password(NEW_PASSWORD) and target.must_change_password
    entry = AuditEntry.objects.get(action="staff_password_reset", object_id=str(target.pk))
    assert entry.actor == city.grassroots_staff
    assert NEW_PASSWORD not in str(entry.detail)

    # next login: every admin page leads to the change-password page, the API answers a clear error
    client = Client()
    assert (
        client.post(
            reverse("admin:login"), {"username": target.username, "password": NEW_PASSWORD, "next": "/admin/"}
        ).status_code
        == 302
    )
    for url in ("/admin/", reverse("admin:members_membership_changelist"), "/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("admin:password_change")), url
    token, _ = Token.objects.get_or_create(user=target)
    answer = Client().get("/api/v1/memberships/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert answer.status_code == 403 and answer.json()["code"] == "password_change_required"
    assert client.get("/api/v1/memberships/").json()["code"] == "password_change_required"

    # the password the admin chose does not count as the account's own
    client.post(
        reverse("admin:password_change"),
        {"old_password": NEW_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert User.objects.get(pk=target.pk).must_change_password
    response = client.post(
        reverse("admin:password_change"),
        {"old_password": NEW_PASSWORD, "new_password1": "Hong-he-4-qiao", "new_password2": "Hong-he-4-qiao"},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.must_change_password and target.check_password("Hong-he-4-qiao")
    assert client.get(reverse("admin:members_membership_changelist")).status_code == 200
    assert Client().get("/api/v1/memberships/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 200


# --- roles decide the work, in the API and the admin ------------------------------------------------------


@pytest.mark.django_db
def test_only_an_approver_decides_applications_and_membership_changes(city):
    from tests.applications.conftest import submit
    from tests.conftest import api_as

    finance = f.staff(city.branch, roles=["finance", "data_manager", "reveal"])
    approver = f.staff(city.branch, roles=["approver"])
    app = submit(f.person_user(name="李四"), union=city.branch)
    _user, membership = f.member(city.branch)

    url = reverse("api-join-application-approve", args=[app.pk])
    assert api_as(finance).post(url, {"dues_mode": "self_pay"}, format="json").status_code == 403
    step = reverse("admin:applications_joinapplication_step", args=[app.pk, "approve"])
    browser(finance).post(step, {"dues_mode": "self_pay", "comment": ""})
    assert type(app).objects.get(pk=app.pk).state == "submitted"
    retain = reverse("api-membership-retain", args=[membership.pk])
    assert api_as(finance).post(retain, {"reason": "retired"}, format="json").status_code == 403

    assert api_as(approver).post(url, {"dues_mode": "self_pay"}, format="json").status_code == 200
    assert type(app).objects.get(pk=app.pk).state == "approved"
    assert api_as(approver).post(retain, {"reason": "retired"}, format="json").status_code == 200
