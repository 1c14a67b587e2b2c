import pytest
from django.test import Client

from formation import services
from tests.formation.conftest import open_founding
from tests.members import factories as f

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_founding_queue_shows_each_role_what_it_decides(city):
    founding = open_founding(city)
    url = "/admin/formation/founding/?queue=mine"
    assert founding.union_name in _client(city.county_a_admin).get(url).content.decode()
    city_page = _client(city.city_admin).get(url).content.decode()
    assert founding.union_name not in city_page  # the county decides it
    assert (
        founding.union_name
        in _client(city.city_admin).get("/admin/formation/founding/?queue=below").content.decode()
    )
    assert (
        _client(city.county_b_admin).get(f"/admin/formation/founding/{founding.pk}/change/").status_code
        == 302
    )


def test_admin_step_buttons_follow_state_and_run_the_service(city):
    founding = open_founding(city)
    client = _client(city.county_a_admin)
    page = client.get(f"/admin/formation/founding/{founding.pk}/change/").content.decode()
    assert 'data-step="apply"' in page and 'data-step="approve"' not in page
    answer = client.post(
        f"/admin/formation/founding/{founding.pk}/step/apply/", {"member_count": "26", "comment": ""}
    )
    assert answer.status_code == 302
    founding.refresh_from_db(fields=["member_count"])
    assert founding.member_count == 26
    document = client.get(f"/admin/formation/founding/{founding.pk}/document/application/")
    assert document["Content-Type"] == "application/pdf"


def test_dissolution_queue_is_the_parents(city):
    dissolution = services.dissolution_request(union=city.sibling, actor=city.sibling_staff, reason="closed")
    url = "/admin/formation/dissolution/?queue=mine"
    assert f"/{dissolution.pk}/change/" in _client(city.county_a_admin).get(url).content.decode()
    assert f"/{dissolution.pk}/change/" not in _client(city.sibling_staff).get(url).content.decode()
    without_role = f.staff(city.county_a, roles=["finance"])
    answer = _client(without_role).get(f"/admin/formation/dissolution/{dissolution.pk}/step/approve/")
    assert answer.status_code in (302, 403)


def test_a_union_does_not_grant_itself_self_approval_in_the_admin(city):
    from members.models import Union

    Union.objects.filter(pk=city.grassroots.pk).update(self_approval=False)
    own = _client(city.grassroots_staff).get(f"/admin/members/union/{city.grassroots.pk}/change/")
    assert 'name="self_approval"' not in own.content.decode()
    parent = _client(city.county_a_admin).get(f"/admin/members/union/{city.grassroots.pk}/change/")
    assert 'name="self_approval"' in parent.content.decode()
