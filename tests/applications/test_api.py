import datetime as dt

import pytest

from applications.models import JoinApplication
from members.models import Membership
from tests.applications.conftest import png_bytes, submit, upload
from tests.members import factories as f

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/join-applications/"
STAFF = "/api/v1/join-applications/"


def _apply(client, **body):
    payload = {
        "union": None,
        "unit_name": "甲厂",
        "employment_type": "staff",
        "hire_date": "2024-03-01",
        "statement": "我自愿加入中华全国总工会。",
    }
    payload.update(body)
    return client.post(ME, payload, format="json")


def test_direct_route_end_to_end(city, applicant, api_for, today):
    today("2025-04-15")
    member = api_for(applicant)
    resp = _apply(member, union=city.branch.pk)
    assert resp.status_code == 201, resp.content
    assert resp.json()["state"] == "submitted" and resp.json()["due_at"] == "2025-04-18"
    pk = resp.json()["id"]
    staff = api_for(city.branch_staff)
    listing = staff.get(STAFF, {"state": "submitted"}).json()
    assert [row["id"] for row in listing["results"]] == [pk]
    assert listing["results"][0]["id_number_masked"].count("*") == 8
    resp = staff.post(f"{STAFF}{pk}/approve/", {"dues_mode": "self_pay", "comment": "同意"}, format="json")
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["state"] == "approved"
    assert Membership.objects.get(pk=body["membership_id"]).person == applicant.person
    mine = member.get(ME).json()
    assert mine[0]["state"] == "approved" and mine[0]["union"] == {
        "id": city.branch.pk,
        "name": "甲厂一分工会",
    }
    me = member.get("/api/v1/me/").json()
    assert me["membership"]["status"] == "active" and me["membership"]["dues_start"] == "2025-01"
    detail = member.get(f"{ME}{pk}/").json()
    assert [step["target"] for step in detail["timeline"]] == ["submitted", "approved"]


def test_dispatch_route_end_to_end(city, applicant, api_for):
    member = api_for(applicant)
    pk = _apply(member, unit_name="甲区某公司").json()["id"]
    assert api_for(city.county_a_admin).get(STAFF).json()["count"] == 0  # not yet dispatched to it
    city_api = api_for(city.city_admin)
    assert [r["id"] for r in city_api.get(STAFF, {"queue": "1"}).json()["results"]] == [pk]
    resp = city_api.post(f"{STAFF}{pk}/dispatch/", {"county": city.county_a.pk}, format="json")
    assert resp.json() == {"id": pk, "state": "dispatched"}
    county = api_for(city.county_a_admin)
    assert [r["id"] for r in county.get(STAFF, {"queue": "1"}).json()["results"]] == [pk]
    resp = county.post(
        f"{STAFF}{pk}/verify/", {"union": city.grassroots.pk, "employer_name": "甲厂"}, format="json"
    )
    assert resp.json() == {"id": pk, "state": "verified"}
    assert (
        api_for(city.county_b_admin)
        .post(f"{STAFF}{pk}/approve/", {"dues_mode": "payroll"}, format="json")
        .status_code
        == 404
    )
    resp = api_for(city.grassroots_staff).post(
        f"{STAFF}{pk}/approve/", {"dues_mode": "payroll"}, format="json"
    )
    assert resp.status_code == 200 and resp.json()["state"] == "approved"
    assert Membership.objects.get(pk=resp.json()["membership_id"]).union == city.grassroots
    detail = api_for(city.county_a_admin).get(f"{STAFF}{pk}/").json()
    assert [s["target"] for s in detail["timeline"]] == ["submitted", "dispatched", "verified", "approved"]
    assert api_for(city.county_b_admin).get(f"{STAFF}{pk}/").status_code == 404


def test_reject_and_withdraw_through_api(city, applicant, api_for):
    member = api_for(applicant)
    pk = _apply(member, union=city.branch.pk).json()["id"]
    resp = api_for(city.branch_staff).post(f"{STAFF}{pk}/reject/", {"reason": "非本单位职工"}, format="json")
    assert resp.json() == {"id": pk, "state": "rejected"}
    assert member.get(ME).json()[0]["reason"] == "非本单位职工"
    pk2 = _apply(member, union=city.branch.pk).json()["id"]  # re-apply after a rejection
    resp = member.post(f"{ME}{pk2}/withdraw/")
    assert resp.json() == {"id": pk2, "state": "withdrawn"}
    resp = member.post(f"{ME}{pk2}/withdraw/")
    assert resp.status_code == 409 and resp.json()["code"] == "invalid_transition"


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("underage", "underage"),
        ("member", "already_member"),
        ("open", "open_application_exists"),
        ("dispatched", "proof_required"),
    ],
)
def test_prescreening_codes(city, api_for, today, setup, code):
    today("2025-04-15")
    body = {"union": city.branch.pk}
    if setup == "underage":
        user = f.person_user(born=dt.date(2010, 1, 1))
    elif setup == "member":
        user, _m = f.member(city.sibling)
    else:
        user = f.person_user()
        if setup == "open":
            submit(user, union=city.branch)
        else:
            body["employment_type"] = "dispatched"
    before = JoinApplication.objects.count()
    resp = _apply(api_for(user), **body)
    assert resp.status_code == 400 and resp.json()["code"] == code
    assert JoinApplication.objects.count() == before


def test_multipart_proof_upload_checked_by_content(city, applicant, api_for):
    member = api_for(applicant)
    fields = {
        "union": city.branch.pk,
        "unit_name": "甲厂",
        "employment_type": "dispatched",
        "hire_date": "2024-03-01",
        "statement": "我自愿加入中华全国总工会。",
    }
    resp = member.post(
        ME, {**fields, "proof": upload(name="letter.pdf", data=b"GIF89a not really" * 20)}, format="multipart"
    )
    assert resp.status_code == 400 and resp.json()["code"] == "proof_invalid_type"
    resp = member.post(
        ME, {**fields, "proof": upload(name="letter.png", data=png_bytes())}, format="multipart"
    )
    assert resp.status_code == 201, resp.content


def test_transition_from_wrong_state_is_409_and_outside_scope_is_404(city, applicant, api_for):
    app = submit(applicant, union=city.branch)
    resp = api_for(city.city_admin).post(
        f"{STAFF}{app.pk}/dispatch/", {"county": city.county_a.pk}, format="json"
    )
    assert resp.status_code == 409 and resp.json()["code"] == "invalid_transition"
    resp = api_for(city.sibling_staff).post(f"{STAFF}{app.pk}/reject/", {"reason": "x"}, format="json")
    assert resp.status_code == 404
    assert api_for(city.other_staff).get(STAFF).json()["count"] == 0


def test_members_cannot_use_staff_endpoints(city, applicant, api_for):
    app = submit(applicant, union=city.branch)
    resp = api_for(applicant).post(f"{STAFF}{app.pk}/approve/", {"dues_mode": "self_pay"}, format="json")
    assert resp.status_code == 403
    assert api_for(applicant).get(STAFF).status_code == 403


def test_overdue_filter(city, applicant, api_for, today):
    today("2025-04-14")
    app = submit(applicant, union=city.branch)
    staff = api_for(city.branch_staff)
    assert staff.get(STAFF, {"overdue": "1"}).json()["count"] == 0
    today("2025-04-18")
    rows = staff.get(STAFF, {"overdue": "1"}).json()["results"]
    assert [r["id"] for r in rows] == [app.pk] and rows[0]["overdue"] is True
