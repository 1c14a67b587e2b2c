"""Approving a join for an applicant whose identity was never verified needs the approver's confirmation that
the ID card was checked; the confirmation records a staff verification. Staff see the methods beside each
application and membership."""

import datetime as dt

import pytest

from applications import services
from members.identity import identity_verified_by
from tests.applications.conftest import logged_in, submit
from tests.members import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def unverified(db):
    return f.person_user(name="钱未核", born=dt.date(1992, 2, 2), verified=False)


def test_api_approval_of_an_unverified_applicant_needs_id_card_checked(city, unverified, api_for):
    app = submit(unverified, union=city.branch)
    client = api_for(city.branch_staff)
    url = f"/api/v1/join-applications/{app.pk}/approve/"
    refused = client.post(url, {"dues_mode": "self_pay"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "identity_unverified"
    assert identity_verified_by(unverified) == []
    done = client.post(url, {"dues_mode": "self_pay", "id_card_checked": True}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "approved"
    assert identity_verified_by(unverified) == ["staff"]
    assert unverified.identity_verifications.get().actor == city.branch_staff


def test_a_verified_applicant_is_approved_without_the_confirmation(city, applicant):
    app = submit(applicant, union=city.branch)
    services.join_application_approve(application_id=app.pk, actor=city.branch_staff, dues_mode="self_pay")
    assert identity_verified_by(applicant) == ["sms"]


def test_admin_approve_step_asks_to_confirm_the_id_card_only_when_unverified(city, unverified, applicant):
    staff = logged_in(city.branch_staff)
    app = submit(unverified, union=city.branch)
    step = f"/admin/applications/joinapplication/{app.pk}/step/approve/"
    assert 'name="id_card_checked"' in staff.get(step).content.decode()
    staff.post(step, {"dues_mode": "self_pay", "comment": "同意"})
    app.refresh_from_db(fields=["membership"])
    assert app.membership_id is None  # not approved without the box
    assert (
        staff.post(step, {"dues_mode": "self_pay", "comment": "同意", "id_card_checked": "on"}).status_code
        == 302
    )
    assert identity_verified_by(unverified) == ["staff"]
    other = submit(applicant, union=city.branch)
    page = staff.get(f"/admin/applications/joinapplication/{other.pk}/step/approve/").content.decode()
    assert 'name="id_card_checked"' not in page


def test_staff_see_the_identity_methods_in_lists_and_pages(city, unverified, applicant):
    staff = logged_in(city.branch_staff)
    submit(unverified, union=city.branch)
    verified_app = submit(applicant, union=city.branch)
    listing = staff.get("/admin/applications/joinapplication/").content.decode()
    assert "未核验" in listing and "手机验证码" in listing
    assert (
        "手机验证码"
        in staff.get(f"/admin/applications/joinapplication/{verified_app.pk}/change/").content.decode()
    )
    _user, membership = f.member(city.branch)
    assert "手机验证码" in staff.get("/admin/members/membership/").content.decode()
    assert "手机验证码" in staff.get(f"/admin/members/membership/{membership.pk}/change/").content.decode()
