import datetime as dt
import io

import pytest
from pypdf import PdfReader

from applications.models import JoinApplication
from formation import services as formation_services
from members.models import Membership
from tests.applications.conftest import logged_in
from tests.members import factories as f
from tests.transfers.conftest import ask, reservoir_members
from transfers import documents, services
from transfers.models import TransferApplication

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/transfer-applications/"
STAFF = "/api/v1/transfer-applications/"


def test_transfer_end_to_end_through_api(city, branch_member, api_for):
    user, membership = branch_member
    member = api_for(user)
    resp = member.post(
        ME,
        {"union": None, "unit_name": "丙厂", "reason": "工作调动", "secondment_until": None},
        format="json",
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["kind"] == "transfer" and resp.json()["state"] == "submitted"
    pk = resp.json()["id"]
    assert (
        member.post(ME, {"union": None, "unit_name": "x"}, format="json").json()["code"]
        == "open_application_exists"
    )
    assert (
        api_for(city.city_admin)
        .post(f"{STAFF}{pk}/dispatch/", {"county": city.county_b.pk}, format="json")
        .json()["state"]
        == "dispatched"
    )
    assert (
        api_for(city.county_b_admin)
        .post(f"{STAFF}{pk}/verify/", {"union": city.other.pk}, format="json")
        .json()["state"]
        == "verified"
    )
    assert [r["id"] for r in api_for(city.branch_staff).get(STAFF).json()["results"]] == [
        pk
    ]  # old union follows
    resp = api_for(city.other_staff).post(f"{STAFF}{pk}/approve/", {"comment": "同意"}, format="json")
    assert resp.json() == {"id": pk, "state": "approved", "membership_id": membership.pk}
    assert Membership.objects.get(pk=membership.pk).union == city.other
    assert member.get(ME).json()[0]["state"] == "approved"


def test_withdraw_and_409(city, branch_member, api_for):
    user, _m = branch_member
    app = ask(user, union=city.sibling)
    member = api_for(user)
    assert member.post(f"{ME}{app.pk}/withdraw/").json() == {"id": app.pk, "state": "withdrawn"}
    resp = member.post(f"{ME}{app.pk}/withdraw/")
    assert resp.status_code == 409 and resp.json()["code"] == "invalid_transition"
    assert (
        api_for(city.other_staff).post(f"{STAFF}{app.pk}/reject/", {"reason": "x"}, format="json").status_code
        == 404
    )


def test_non_member_gets_a_join_application_and_is_told(city, api_for):
    user = f.person_user(name="市外来")
    resp = api_for(user).post(
        ME, {"union": city.branch.pk, "unit_name": "甲厂", "reason": "调入"}, format="json"
    )
    assert resp.status_code == 201 and resp.json()["kind"] == "join" and "入会申请" in resp.json()["detail"]
    assert JoinApplication.objects.filter(pk=resp.json()["id"]).exists()
    assert not TransferApplication.objects.exists()


def test_union_formation_cases_listed_in_scope(city, api_for):
    reservoir_members(city.reservoir_a, "某物流公司", 25)
    case = formation_services.union_formation_check(reservoir=city.reservoir_a, employer_name="某物流公司")
    rows = api_for(city.county_a_admin).get("/api/v1/union-formation-cases/").json()["results"]
    assert rows[0]["id"] == case.pk and rows[0]["member_count"] == 25
    assert rows[0]["union"] == {"id": city.reservoir_a.pk, "name": city.reservoir_a.name}
    assert rows[0]["state"] == "open" and rows[0]["due_at"] == case.due_at.isoformat()
    assert api_for(city.county_b_admin).get("/api/v1/union-formation-cases/").json()["count"] == 0
    resp = api_for(city.county_a_admin).post(f"/api/v1/union-formation-cases/{case.pk}/issue-notice/")
    assert resp.json()["state"] == "notice_issued"


def test_letters_and_notice_carry_the_names(city, branch_member, today):
    today("2025-04-15")
    user, membership = branch_member
    app = ask(user, union=city.sibling, secondment_until=dt.date(2025, 12, 31))
    app = services.transfer_application_approve(application_id=app.pk, actor=city.sibling_staff)
    for kind in documents.TITLES:
        content, _name = documents.document_pdf(app, kind)
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
        assert documents.TITLES[kind] in text and "周会员" in text and membership.member_no in text
    client = logged_in(user)
    assert client.get(f"/transfer/{app.pk}/introduction-letter.pdf")["Content-Type"] == "application/pdf"
    assert (
        logged_in(f.person_user(name="他人")).get(f"/transfer/{app.pk}/management-card.pdf").status_code
        == 404
    )
    for staff in (city.branch_staff, city.sibling_staff):  # staff of both unions
        resp = logged_in(staff).get(
            f"/admin/transfers/transferapplication/{app.pk}/document/introduction-letter/"
        )
        assert resp.status_code == 200 and resp.content.startswith(b"%PDF")
    assert (
        logged_in(city.other_staff)
        .get(f"/admin/transfers/transferapplication/{app.pk}/document/introduction-letter/")
        .status_code
        == 404
    )
    reservoir_members(city.reservoir_a, "某物流公司", 25)
    case = formation_services.union_formation_check(reservoir=city.reservoir_a, employer_name="某物流公司")
    content = (
        logged_in(city.county_a_admin).get(f"/admin/formation/unionformationcase/{case.pk}/notice/").content
    )
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "工会组建通知书" in text and "某物流公司" in text and "甲区总工会" in text


def test_admin_steps_for_transfer_and_formation(city, branch_member):
    user, membership = branch_member
    app = ask(user, union=city.sibling)
    client = logged_in(city.sibling_staff)
    page = client.get(f"/admin/transfers/transferapplication/{app.pk}/change/").content.decode()
    assert 'data-step="approve"' in page
    client.post(
        f"/admin/transfers/transferapplication/{app.pk}/step/approve/", {"dues_mode": "", "comment": "同意"}
    )
    assert Membership.objects.get(pk=membership.pk).union == city.sibling
    reservoir_members(city.reservoir_a, "某物流公司", 25)
    case = formation_services.union_formation_check(reservoir=city.reservoir_a, employer_name="某物流公司")
    county = logged_in(city.county_a_admin)
    base = f"/admin/formation/unionformationcase/{case.pk}"
    assert 'data-step="issue_notice"' in county.get(f"{base}/change/").content.decode()
    county.post(f"{base}/step/issue_notice/", {"comment": ""})
    new_union = f.union(name="某物流公司工会", parent=city.county_a)
    resp = county.post(f"{base}/step/establish/", {"union": new_union.pk})
    assert resp.status_code == 302, resp.content.decode()[-3000:]
    resp = county.post(f"{base}/step/transfer_members/", {})
    assert resp.status_code == 302, resp.content.decode()[-3000:]
    assert Membership.objects.filter(union=new_union).count() == 25


def test_member_pages_apply_and_follow(city, branch_member):
    user, _m = branch_member
    client = logged_in(user)
    assert 'href="/transfer/"' in client.get("/").content.decode()
    resp = client.post(
        "/transfer/", {"union": city.sibling.pk, "unit_name": "乙厂", "reason": "调动", "submit": "1"}
    )
    app = TransferApplication.objects.get()
    assert resp["Location"] == f"/transfer/{app.pk}/"
    assert "待审核" in client.get(f"/transfer/{app.pk}/").content.decode()
    client.post(f"/transfer/{app.pk}/withdraw/")
    assert "已撤销" in client.get(f"/transfer/{app.pk}/").content.decode()


def test_tasks_are_thin_and_idempotent(city, branch_member, today):
    from transfers.tasks import secondment_end_remind, transfer_overdue_remind

    today("2025-04-14")
    user, _m = branch_member
    ask(user, union=city.sibling)
    today("2025-04-18")
    assert transfer_overdue_remind() == 2
    assert transfer_overdue_remind() == 0
    assert secondment_end_remind() == 0


def test_move_out_button_in_membership_admin(city, branch_member):
    user, membership = branch_member
    client = logged_in(city.branch_staff)
    page = client.get(f"/admin/members/membership/{membership.pk}/change/").content.decode()
    assert "/transition/move_out/" in page
    resp = client.post(
        f"/admin/members/membership/{membership.pk}/transition/move_out/", {"reason": "已离职"}
    )
    assert resp.status_code == 302
    assert Membership.objects.get(pk=membership.pk).union == city.reservoir_a
