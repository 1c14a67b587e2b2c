import pytest
from django.test import Client

from members.models import Membership
from tests.members import factories as f

pytestmark = pytest.mark.django_db


def admin_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_membership_changelist_shows_only_the_subtree(city):
    mine_user, mine = f.member(city.branch, name="本会会员")
    _, theirs = f.member(city.sibling, name="邻会会员")
    body = admin_client(city.grassroots_staff).get("/admin/members/membership/").content.decode()
    assert "本会会员" in body and "邻会会员" not in body
    assert mine_user.person.id_number not in body


def test_sibling_staff_cannot_open_change_or_act_on_a_membership(city):
    _, m = f.member(city.branch, name="本会会员")
    client = admin_client(city.sibling_staff)
    for url in (
        f"/admin/members/membership/{m.pk}/change/",
        f"/admin/members/membership/{m.pk}/history/",
        f"/admin/members/person/{m.person_id}/change/",
    ):
        response = client.get(url)
        assert response.status_code in (302, 404), url
        assert "本会会员" not in response.content.decode()
    response = client.post(f"/admin/members/membership/{m.pk}/transition/withdraw/", {"reason": "x"})
    assert response.status_code == 404
    assert Membership.objects.get(pk=m.pk).status == "active"


def test_staff_changes_state_through_admin_transition_with_reason(city):
    _, m = f.member(city.branch)
    client = admin_client(city.branch_staff)
    page = client.get(f"/admin/members/membership/{m.pk}/change/").content.decode()
    assert "保留会籍" in page
    response = client.post(f"/admin/members/membership/{m.pk}/transition/retain/", {"reason": "retired"})
    assert response.status_code == 302
    m = Membership.objects.get(pk=m.pk)
    assert m.status == "retained"
    assert m.events.last().actor == city.branch_staff


def test_union_list_is_indented_tree_with_counts_excluding_retained(city):
    f.member(city.branch)
    _, retained = f.member(city.branch)
    from members import services

    services.membership_retain(membership_id=retained.pk, actor=None, reason="retired")
    client = admin_client(city.county_a_admin)
    response = client.get("/admin/members/union/")
    assert "　甲厂一分工会" in response.content.decode()  # indented under its parent
    rows = response.context["cl"].result_list
    counts = {u.name: u.active_members for u in rows}
    assert "丙厂工会" not in counts  # county B
    assert "市总工会" not in counts  # the parent is outside the scope
    assert counts["甲厂一分工会"] == 1 and counts["甲区总工会"] == 1


def test_person_search_by_full_id_number_uses_the_keyed_hash(city):
    user, _ = f.member(city.branch, name="待查会员")
    client = admin_client(city.grassroots_staff)
    body = client.get("/admin/members/person/", {"q": user.person.id_number}, follow=True).content.decode()
    assert "待查会员" in body


def test_reveal_is_logged_and_needs_permission(city):
    from unionhub.models import AuditEntry

    user, _ = f.member(city.branch)
    denied = admin_client(city.grassroots_staff).get(
        f"/admin/members/person/{user.person_id}/reveal/id_number/", follow=True
    )
    assert user.person.id_number not in denied.content.decode()
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = admin_client(city.city_admin)
    session = client.session  # a reveal needs a session that passed the second factor
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.create(user=city.city_admin, name="app").persistent_id
    session.save()
    allowed = client.get(f"/admin/members/person/{user.person_id}/reveal/id_number/")
    assert user.person.id_number in allowed.content.decode()
    assert AuditEntry.objects.filter(action="reveal_id_number", actor=city.city_admin).count() == 1
