"""待我处理 holds only what the user's role must act on now; what waits on others below is 下级处理中."""

import re

import pytest

from applications import selectors, services
from tests.applications.conftest import logged_in, submit
from tests.members import factories as f

pytestmark = pytest.mark.django_db

LIST = "/admin/applications/joinapplication/"


@pytest.fixture
def apps(city):
    undispatched = submit(f.person_user(name="甲一"))
    direct_branch = submit(f.person_user(name="甲二"), union=city.branch)
    direct_grassroots = submit(f.person_user(name="甲三"), union=city.grassroots)
    dispatched = submit(f.person_user(name="甲四"))
    services.join_application_dispatch(
        application_id=dispatched.pk, actor=city.city_admin, county=city.county_a
    )
    verified = submit(f.person_user(name="甲五"))
    services.join_application_dispatch(
        application_id=verified.pk, actor=city.city_admin, county=city.county_a
    )
    services.join_application_verify(
        application_id=verified.pk,
        actor=city.county_a_admin,
        union=city.reservoir_a,
        employer_name="甲五商店",
    )
    return {
        "undispatched": undispatched.pk,
        "direct_branch": direct_branch.pk,
        "direct_grassroots": direct_grassroots.pk,
        "dispatched": dispatched.pk,
        "verified": verified.pk,
    }


def _names(apps, pks):
    return {name for name, pk in apps.items() if pk in set(pks)}


def _listed(user, queue):
    page = logged_in(user).get(LIST, {"queue": queue}).content.decode()
    return {int(pk) for pk in re.findall(r"/joinapplication/(\d+)/change/", page)}


@pytest.mark.parametrize(
    ("role", "mine", "below"),
    [
        ("city_admin", {"undispatched"}, {"direct_branch", "direct_grassroots", "dispatched", "verified"}),
        ("county_a_admin", {"dispatched"}, {"direct_branch", "direct_grassroots", "verified"}),
        ("grassroots_staff", {"direct_grassroots"}, {"direct_branch"}),
        ("branch_staff", {"direct_branch"}, set()),
        ("reservoir_a_staff", {"verified"}, set()),
        ("county_b_admin", set(), set()),
    ],
)
def test_queue_contents_per_role(city, apps, role, mine, below):
    user = getattr(city, role)
    assert _names(apps, _listed(user, "mine")) == mine
    assert _names(apps, _listed(user, "below")) == below
    assert (
        _names(apps, selectors.join_application_list(user=user, queue=True).values_list("pk", flat=True))
        == mine
    )


def test_both_filters_are_offered_by_name(city, apps):
    page = logged_in(city.county_a_admin).get(LIST).content.decode()
    assert "待我处理" in page and "下级处理中" in page
