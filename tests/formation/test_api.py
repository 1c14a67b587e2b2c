import datetime as dt

import pytest

from formation.models import Founding
from members.models import Membership, Union
from tests.conftest import api_as
from tests.formation.conftest import COMMITTEES, scan
from tests.members import factories as f

pytestmark = pytest.mark.django_db


def test_founding_through_the_api_step_by_step(city, today):
    today("2026-03-02")
    county = api_as(city.county_a_admin)
    answer = county.post(
        "/api/v1/foundings/",
        {
            "parent": city.county_a.pk,
            "employer_name": "某电子公司",
            "contact_name": "孙筹备",
            "contact_phone": "0717-1234567",
            "group_members": [{"name": "孙筹备", "position": "组长"}],
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    pk = answer.json()["id"]
    assert answer.json()["state"] == "group_formed"
    steps = [
        ("apply", {"member_count": 28, "has_women_members": False}),
        (
            "request-congress",
            {"congress_on": "2026-03-25", "election_form": "direct", "candidates": COMMITTEES},
        ),
        ("report-election", {"elected": COMMITTEES}),
    ]
    for name, body in steps:
        answer = county.post(f"/api/v1/foundings/{pk}/{name}/", body, format="json")
        assert answer.status_code == 200, (name, answer.content)
    answer = county.post(f"/api/v1/foundings/{pk}/approve/", {}, format="json")
    assert (answer.status_code, answer.json()["code"]) == (400, "scans_missing")
    for kind in ("group_letter", "application", "congress_request", "election_report"):
        answer = county.post(
            f"/api/v1/foundings/{pk}/scans/", {"kind": kind, "scan": scan()}, format="multipart"
        )
        assert answer.status_code == 201, answer.content
    answer = county.post(f"/api/v1/foundings/{pk}/approve/", {}, format="json")
    assert answer.status_code == 200 and answer.json()["state"] == "approved"
    assert answer.json()["union"]["name"] == "某电子公司工会委员会"
    assert [
        row["id"] for row in api_as(city.county_b_admin).get("/api/v1/foundings/").json()["results"]
    ] == []


def test_founding_steps_refused_to_other_county_and_to_a_role_without_the_permission(city):
    founding = Founding.objects.create(
        employer_name="某厂",
        parent=city.county_a,
        union_name="某厂工会",
        contact_name="孙",
        contact_phone="1",
        opened_on=dt.date(2026, 3, 2),
        due_at=dt.date(2026, 4, 2),
    )
    body = {"member_count": 30}
    assert (
        api_as(city.county_b_admin).post(f"/api/v1/foundings/{founding.pk}/apply/", body).status_code == 404
    )
    finance = f.staff(city.county_a, roles=["finance"])
    assert api_as(finance).post(f"/api/v1/foundings/{founding.pk}/apply/", body).status_code == 403
    answer = api_as(city.county_a_admin).post(
        f"/api/v1/foundings/{founding.pk}/report-election/", {"elected": COMMITTEES}, format="json"
    )
    assert (answer.status_code, answer.json()["code"]) == (409, "invalid_transition")


def test_renewal_and_dissolution_through_the_api(city, today):
    today("2026-06-01")
    Union.objects.filter(pk=city.sibling.pk).update(term_started_on=dt.date(2021, 6, 30))
    due = api_as(city.county_a_admin).get("/api/v1/term-renewals/due/").json()
    assert [u["name"] for u in due] == ["乙厂工会"] and due[0]["term_ends_on"] == "2026-06-30"
    sibling = api_as(city.sibling_staff)
    answer = sibling.post(
        "/api/v1/term-renewals/",
        {
            "union": city.sibling.pk,
            "elected_on": "2026-06-28",
            "election_form": "direct",
            "committees": COMMITTEES,
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    renewal = answer.json()["id"]
    assert sibling.post(f"/api/v1/term-renewals/{renewal}/approve/", {}).status_code == 409
    answer = api_as(city.county_a_admin).post(f"/api/v1/term-renewals/{renewal}/approve/", {})
    assert answer.json()["state"] == "approved"
    assert Union.objects.get(pk=city.sibling.pk).session_no == 2

    f.member(city.sibling)
    answer = sibling.post(
        "/api/v1/dissolutions/", {"union": city.sibling.pk, "reason": "closed"}, format="json"
    )
    assert answer.status_code == 201, answer.content
    dissolution = answer.json()["id"]
    answer = api_as(city.county_a_admin).post(
        f"/api/v1/dissolutions/{dissolution}/approve/", {"target": city.grassroots.pk}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["moved_count"] == 1
    assert Membership.objects.filter(union=city.grassroots).count() == 1
    names = [
        u["name"]
        for u in api_as(f.person_user(name="找工会")).get("/api/v1/unions/?search=乙厂").json()["results"]
    ]
    assert "乙厂工会" not in names
