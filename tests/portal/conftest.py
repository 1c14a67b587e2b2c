import datetime as dt

import pytest
from django.core.cache import cache

from members.models import Membership
from portal import card
from tests.members import factories as f


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Verification rate limits count in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def carded(city):
    """An active member of the branch, named 清小极, whose card is on."""
    user, membership = f.member(city.branch, name="清小极", joined_on=dt.date(2020, 5, 1))
    card.membership_card_activate(membership_id=membership.pk, actor=user, id_number=user.person.id_number)
    membership = Membership.objects.get(pk=membership.pk)
    return user, membership


@pytest.fixture
def member_client(client):
    def login(user):
        client.force_login(user)
        return client

    return login
