"""The membership lifecycle through the API and the admin, as staff of the unions concerned use it."""

import pytest

from members.models import Membership, MembershipEvent, RetentionPeriod
from tests.applications.conftest import logged_in
from tests.members import factories as f

pytestmark = pytest.mark.django_db


def test_retain_restore_withdraw_through_api(city, api_for, today):
    _u, membership = f.member(city.branch)
    staff = api_for(city.branch_staff)
    base = f"/api/v1/memberships/{membership.pk}"
    today("2025-04-15")
    assert staff.post(f"{base}/retain/", {"reason": "retired"}, format="json").json()["status"] == "retained"
    today("2025-09-10")
    assert staff.post(f"{base}/restore/", {}, format="json").json()["status"] == "active"
    period = RetentionPeriod.objects.get(membership=membership)
    assert (period.retained_on.isoformat(), period.restored_on.isoformat()) == ("2025-04-15", "2025-09-10")
    resp = staff.post(f"{base}/withdraw/", {"reason": "经谈话后本人仍要求退会"}, format="json")
    assert resp.json()["status"] == "withdrawn"
    assert api_for(city.sibling_staff).post(f"{base}/restore/", {}, format="json").status_code == 404


def test_expulsion_is_seen_by_the_parent_union(city, api_for):
    _u, membership = f.member(city.branch)
    resp = api_for(city.branch_staff).post(
        f"/api/v1/memberships/{membership.pk}/expel/",
        {"reason": "受刑事处分，经委员会决定开除会籍"},
        format="json",
    )
    assert resp.json()["status"] == "expelled"
    event = MembershipEvent.objects.get(membership=membership, kind="expel")
    assert event.detail["reported_to_union_id"] == city.grassroots.pk
    rows = (
        api_for(city.grassroots_staff).get("/api/v1/memberships/", {"status": "expelled"}).json()["results"]
    )
    assert [r["id"] for r in rows] == [membership.pk]
    page = logged_in(city.grassroots_staff).get(f"/admin/members/membership/{membership.pk}/change/")
    assert "受刑事处分" in page.content.decode()


def test_retain_button_in_admin(city):
    _u, membership = f.member(city.branch)
    client = logged_in(city.branch_staff)
    client.post(
        f"/admin/members/membership/{membership.pk}/transition/retain/", {"reason": "military", "note": ""}
    )
    assert Membership.objects.get(pk=membership.pk).status == "retained"
