import datetime as dt

import pytest

from members import services
from members.models import Membership, MembershipStatus, Union
from tests.members import factories as f
from tests.security.codes import register_with_code

pytestmark = pytest.mark.django_db


def test_register_then_token_then_me(api):
    id_number = f.id_number(born=dt.date(1995, 5, 5), male=False)
    phone = f.phone()
    response = register_with_code(
        api, name="清小极", id_number=id_number, phone=phone, password="Qing-xiaoji-2025"
    )
    assert response.status_code == 201, response.content
    assert set(response.json()) == {"id", "token"}
    for login in (phone, id_number):
        token = api.post(
            "/api/v1/auth/token/", {"username": login, "password": "Qing-xiaoji-2025"}, format="json"
        )
        assert token.status_code == 200, token.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    me = api.get("/api/v1/me/")
    assert me.status_code == 200
    body = me.json()
    assert body == {
        "name": "清小极",
        "id_number_masked": id_number[:6] + "********" + id_number[14:],
        "phone_masked": phone[:3] + "****" + phone[7:],
        "membership": None,
        "identity_verified_by": ["sms"],  # the phone was proven by the register code
    }


def test_me_shows_membership_with_dues_start(city, api_for):
    user, membership = f.member(city.branch, joined_on=dt.date(2025, 4, 10), hire_date=dt.date(2025, 2, 3))
    body = api_for(user).get("/api/v1/me/").json()
    assert body["membership"] == {
        "union": {"id": city.branch.pk, "name": city.branch.name},
        "status": "active",
        "dues_mode": "self_pay",
        "member_no": membership.member_no,
        "dues_start": "2025-02",
    }


def test_register_with_bad_id_number_gives_field_error_and_stores_nothing(api):
    good = f.id_number()
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    response = api.post(
        "/api/v1/auth/register/",
        {
            "name": "甲",
            "id_number": bad,
            "phone": f.phone(),
            "sms_code": "123456",
            "password": "Qing-xiaoji-2025",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "id_checksum"
    from members.models import Person

    assert not Person.objects.exists()


def test_token_with_wrong_password_is_refused(api):
    user = f.person_user()
    response = api.post(
        "/api/v1/auth/token/", {"username": user.person.phone, "password": "wrong-password"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"


def test_unions_search_for_members_lists_only_unions_accepting_members(city, api_for):
    member = f.person_user()
    names = [u["name"] for u in api_for(member).get("/api/v1/unions/", {"search": "甲"}).json()["results"]]
    assert "甲厂工会" in names and "甲厂一分工会" in names
    assert "甲区总工会" not in names
    assert set(api_for(member).get("/api/v1/unions/", {"search": "甲厂一"}).json()["results"][0]) == {
        "id",
        "name",
        "code",
        "level",
        "parent",
        "accepts_members",
        "is_reservoir",
    }


def test_staff_see_only_their_subtree_of_unions(city, api_for):
    ids = {
        u["id"] for u in api_for(city.grassroots_staff).get("/api/v1/unions/?page_size=200").json()["results"]
    }
    assert ids == {city.grassroots.pk, city.branch.pk, city.branch2.pk}


def test_staff_create_union_below_own_and_not_elsewhere(city, api_for):
    client = api_for(city.county_a_admin)
    ok = client.post(
        "/api/v1/unions/",
        {
            "name": "新厂工会",
            "code": "NEW1",
            "level": "grassroots",
            "parent": city.county_a.pk,
            "accepts_members": True,
            "is_reservoir": False,
        },
        format="json",
    )
    assert ok.status_code == 201, ok.content
    assert Union.objects.get(code="NEW1").parent == city.county_a
    outside = client.post(
        "/api/v1/unions/",
        {
            "name": "越权工会",
            "code": "NEW2",
            "level": "grassroots",
            "parent": city.county_b.pk,
            "accepts_members": True,
            "is_reservoir": False,
        },
        format="json",
    )
    assert outside.status_code == 404
    member = f.person_user()
    assert (
        api_for(member)
        .post(
            "/api/v1/unions/",
            {"name": "x", "code": "X", "level": "grassroots", "parent": city.county_a.pk},
            format="json",
        )
        .status_code
        == 403
    )


def test_staff_api_creates_staff_below_only(city, api_for):
    client = api_for(city.grassroots_staff)
    ok = client.post(
        "/api/v1/staff/",
        {"username": "clerk1", "password": "Clerk-pass-8812", "union": city.branch.pk},
        format="json",
    )
    assert ok.status_code == 201 and "id" in ok.json()
    assert (
        client.post(
            "/api/v1/staff/",
            {"username": "clerk2", "password": "Clerk-pass-8812", "union": city.sibling.pk},
            format="json",
        ).status_code
        == 404
    )
    member = f.person_user()
    assert (
        api_for(member)
        .post(
            "/api/v1/staff/",
            {"username": "clerk3", "password": "Clerk-pass-8812", "union": city.branch.pk},
            format="json",
        )
        .status_code
        == 403
    )


def test_membership_list_scoped_and_filtered(city, api_for):
    _, mine = f.member(city.branch)
    _, theirs = f.member(city.sibling)
    _, retained = f.member(city.branch2)
    services.membership_retain(membership_id=retained.pk, actor=None, reason="retired")
    rows = api_for(city.grassroots_staff).get("/api/v1/memberships/").json()["results"]
    assert {r["id"] for r in rows} == {mine.pk, retained.pk}
    assert set(rows[0]) == {
        "id",
        "person_name",
        "id_number_masked",
        "union",
        "status",
        "dues_mode",
        "member_no",
    }
    rows = (
        api_for(city.grassroots_staff).get("/api/v1/memberships/", {"status": "retained"}).json()["results"]
    )
    assert [r["id"] for r in rows] == [retained.pk]
    rows = api_for(city.grassroots_staff).get("/api/v1/memberships/", {"union": city.sibling.pk}).json()
    assert rows["results"] == []
    assert {r["id"] for r in api_for(city.sibling_staff).get("/api/v1/memberships/").json()["results"]} == {
        theirs.pk
    }
    assert api_for(f.person_user()).get("/api/v1/memberships/").status_code == 403


def test_membership_transitions_through_api_with_409_when_not_allowed(city, api_for):
    _, m = f.member(city.branch)
    client = api_for(city.branch_staff)
    response = client.post(f"/api/v1/memberships/{m.pk}/retain/", {"reason": "military"}, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "id": m.pk,
        "status": "retained",
        "union": {"id": city.branch.pk, "name": city.branch.name},
    }
    again = client.post(f"/api/v1/memberships/{m.pk}/retain/", {"reason": "military"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert client.post(f"/api/v1/memberships/{m.pk}/reinstate/", {"reason": "x"}).status_code == 409
    assert client.post(f"/api/v1/memberships/{m.pk}/restore/", {}).json()["status"] == "active"
    bad = client.post(f"/api/v1/memberships/{m.pk}/retain/", {"reason": "holiday"}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_reason"
    assert (
        client.post(f"/api/v1/memberships/{m.pk}/expel/", {"reason": "委员会决定"}).json()["status"]
        == "expelled"
    )
    assert client.post(f"/api/v1/memberships/{m.pk}/withdraw/", {"reason": "x"}).status_code == 409


def test_membership_of_a_sibling_union_is_404(city, api_for):
    _, m = f.member(city.branch)
    for user in (city.sibling_staff, city.branch2 and f.staff(city.branch2), city.other_staff):
        response = api_for(user).post(f"/api/v1/memberships/{m.pk}/retain/", {"reason": "retired"})
        assert response.status_code == 404
    assert Membership.objects.get(pk=m.pk).status == MembershipStatus.ACTIVE


def test_move_out_sends_member_to_county_reservoir(city, api_for):
    _, m = f.member(city.branch)
    response = api_for(city.branch_staff).post(
        f"/api/v1/memberships/{m.pk}/move-out/", {"reason": "离职未办转会"}
    )
    assert response.status_code == 200
    assert response.json()["union"]["id"] == city.reservoir_a.pk
    m = Membership.objects.get(pk=m.pk)  # protected FSM fields cannot be refreshed in place
    assert m.union == city.reservoir_a and m.status == "active"
    event = m.events.last()
    assert (event.kind, event.from_union, event.to_union) == ("move_out", city.branch, city.reservoir_a)


def test_openapi_schema_and_docs_are_served(api):
    schema = api.get("/api/v1/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ("/api/v1/auth/register/", "/api/v1/me/", "/api/v1/unions/", "/api/v1/staff/"):
        assert path in text
    assert api.get("/api/v1/docs/").status_code == 200
