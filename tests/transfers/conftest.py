import pytest

from members.models import MembershipEvent
from tests.members import factories as f
from transfers import services


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def branch_member(city):
    """A member of 甲厂一分工会 (county A)."""
    user, membership = f.member(city.branch, name="周会员")
    return user, membership


def ask(user, union=None, **kwargs):
    fields = {"unit_name": "新单位", "reason": "工作调动", "secondment_until": None}
    fields.update(kwargs)
    app, _kind = services.transfer_application_submit(user=user, union=union, **fields)
    return app


def reservoir_members(reservoir, employer_name, count):
    memberships = []
    for i in range(count):
        user, membership = f.member(reservoir, name=f"职工{i}")
        person = user.person
        person.unit_name = employer_name
        person.save()
        memberships.append(membership)
    return memberships


__all__ = ["MembershipEvent"]
