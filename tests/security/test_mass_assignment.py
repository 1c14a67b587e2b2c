"""Members cannot set their union, status or dues mode through any form or API field."""

import pytest
from django.urls import reverse

from members.models import DuesMode, Membership, MembershipStatus, Person, User
from tests.members import factories as f
from tests.security.codes import register_page_with_code, register_with_code

SMUGGLED = {
    "union": None,
    "union_id": None,
    "status": "active",
    "dues_mode": "unit_paid",
    "is_staff": True,
    "is_superuser": True,
    "is_union_admin": True,
    "member_no": "20250000001",
    "membership": None,
    "anonymised_at": "2020-01-01T00:00:00Z",
    "id_number_hash": "0" * 64,
}


def smuggled(city) -> dict:
    return {
        **SMUGGLED,
        "union": city.grassroots.pk,
        "union_id": city.grassroots.pk,
        "membership": {"union": city.grassroots.pk, "status": "active"},
    }


def assert_plain_member(user: User):
    assert not (user.is_staff or user.is_superuser or user.is_union_admin)
    assert user.union_id is None
    assert not Membership.objects.filter(person=user.person).exists()
    assert user.person.anonymised_at is None


@pytest.mark.django_db
def test_register_api_ignores_union_status_dues_mode_and_staff_fields(api, city):
    id_number = f.id_number()
    response = register_with_code(
        api,
        **{"name": "赵六", "id_number": id_number, "phone": f.phone(), "password": "Lan-shan-7-qiao"},
        **{k: v for k, v in smuggled(city).items() if k not in ("phone",)},
    )
    assert response.status_code == 201
    assert set(response.json()) == {"id", "token"}
    assert_plain_member(User.objects.get(pk=response.json()["id"]))


@pytest.mark.django_db
def test_register_page_ignores_union_status_dues_mode_and_staff_fields(client, city):
    data = {k: v for k, v in smuggled(city).items() if not isinstance(v, dict)}
    response = register_page_with_code(
        client,
        name="赵六",
        id_number=f.id_number(),
        phone=f.phone(),
        password="Lan-shan-7-qiao",
        password2="Lan-shan-7-qiao",
        **data,
    )
    assert response.status_code == 302
    assert_plain_member(User.objects.get(person=Person.objects.get(name="赵六")))


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["put", "patch", "post", "delete"])
def test_me_api_cannot_be_written(api_for, city, method):
    user, membership = f.member(city.branch, dues_mode=DuesMode.PAYROLL)
    response = getattr(api_for(user), method)(
        reverse("api-me"),
        {
            "name": "改名",
            "membership": {"union": {"id": city.other.pk}, "status": "retained", "dues_mode": "self_pay"},
            **smuggled(city),
        },
        format="json",
    )
    assert response.status_code == 405
    membership = Membership.objects.get(pk=membership.pk)
    assert (membership.union_id, membership.status, membership.dues_mode) == (
        city.branch.pk,
        MembershipStatus.ACTIVE,
        DuesMode.PAYROLL,
    )
    user.person.refresh_from_db()
    assert user.person.name != "改名"


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["retain", "restore", "withdraw", "reinstate", "move-out"])
def test_members_cannot_change_their_own_membership_through_staff_endpoints(api_for, city, action):
    user, membership = f.member(city.branch)
    response = api_for(user).post(
        reverse(f"api-membership-{action}", args=[membership.pk]), {"reason": "retired"}
    )
    assert response.status_code == 403
    assert Membership.objects.get(pk=membership.pk).status == MembershipStatus.ACTIVE


@pytest.mark.django_db
def test_members_cannot_create_unions_or_staff(api_for, city):
    user = f.person_user()
    client = api_for(user)
    assert (
        client.post(
            reverse("api-unions"),
            {"name": "x", "code": "X-1", "level": "branch", "parent": city.grassroots.pk},
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("api-staff-create"),
            {"username": "sneaky", "password": "Lan-shan-7-qiao", "union": city.grassroots.pk},
        ).status_code
        == 403
    )
    assert not User.objects.filter(username="sneaky").exists()
