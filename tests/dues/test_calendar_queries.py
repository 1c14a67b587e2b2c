"""The year calendar request asks the database a fixed handful of times, whichever kind of member asks."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dues import selectors
from members import services as member_services
from members.models import DuesMode, Membership
from tests.dues.conftest import credit

pytestmark = pytest.mark.django_db

# user, membership, retention periods, paid months, rate (when not cached), session row (when the idle clock is
# written: one UPDATE, unionhub.lib.sessions)
MAX_QUERIES = 6


def _self_pay(make_member):
    user, m = make_member()
    credit(m, "2024-01", "2025-02")
    return user


def _payroll(make_member):
    user, m = make_member(dues_mode=DuesMode.PAYROLL)
    credit(m, "2024-01", "2025-03", source="payroll")
    return user


def _unit_paid(make_member):
    user, _m = make_member(dues_mode=DuesMode.UNIT_PAID)
    return user


def _retained(make_member):
    user, m = make_member()
    member_services.membership_retain(membership_id=m.pk, actor=None, reason="retired")
    return user


def _restored(make_member):
    user, m = make_member()
    member_services.membership_retain(membership_id=m.pk, actor=None, reason="retired")
    member_services.membership_restore(membership_id=m.pk, actor=None)
    return user


def _withdrawn(make_member):
    user, m = make_member()
    member_services.membership_withdraw(membership_id=m.pk, actor=None, reason="left")
    return user


def _reinstated(make_member):
    user, m = make_member()
    member_services.membership_auto_withdraw(
        membership=m, reason="arrears", on=dt.date(2025, 3, 1), detail={}
    )
    member_services.membership_reinstate(membership_id=m.pk, actor=None, reason="wrongly withdrawn")
    return user


KINDS = {
    "self_pay": _self_pay,
    "payroll": _payroll,
    "unit_paid": _unit_paid,
    "retained": _retained,
    "restored": _restored,
    "withdrawn": _withdrawn,
    "reinstated": _reinstated,
}


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("warm_rate_cache", [True, False])
def test_year_calendar_request_takes_at_most_six_queries(april, make_member, kind, warm_rate_cache):
    user = KINDS[kind](make_member)
    client = Client()
    client.force_login(user)
    if warm_rate_cache:
        assert client.get("/api/v1/me/dues/2025/").status_code == 200
    else:  # the first request after login (the idle clock is written) with no rate cached
        cache.delete(selectors.RATE_CACHE_VERSION_KEY)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/api/v1/me/dues/2025/")
    assert response.status_code == 200, response.content
    assert len(response.json()["months"]) == 12
    # inside the test's transaction an atomic block shows as SAVEPOINT … RELEASE (outside: BEGIN … COMMIT): counted
    queries = [q["sql"] for q in captured.captured_queries]
    assert len(queries) <= MAX_QUERIES, "\n".join(queries)
    # the same months as the calendar read the long way (every lookup made, whatever the membership says)
    membership = Membership.objects.filter(person=user.person).order_by("-created_at").first()
    expected = selectors.dues_calendar(membership, 2025, april)
    assert [m["status"] for m in response.json()["months"]] == [c.status for c in expected.months]


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_calendar_answer_is_what_its_declared_serializer_gives(april, make_member, kind):
    """The view answers calendar_data directly (no serializer pass per request); DuesYearOut stays the schema,
    so the two must agree for every kind of member, types included."""
    from dues.api import DuesYearOut, calendar_data

    user = KINDS[kind](make_member)
    membership = Membership.objects.filter(person=user.person).order_by("-created_at").first()
    data = calendar_data(selectors.dues_calendar(membership, 2025, april))
    serialized = DuesYearOut(data).data
    assert serialized == data
    assert [type(v) for v in serialized.values()] == [type(v) for v in data.values()]
    client = Client()
    client.force_login(user)
    assert client.get("/api/v1/me/dues/2025/").json() == serialized
