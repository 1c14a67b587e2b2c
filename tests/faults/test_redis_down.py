"""Redis down: logins, pages with a session, the admin, order creation, the dues calendar and approvals still
answer, against a real Redis address where nothing listens (connections refused), not a mock."""

import datetime as dt

import pytest
from django.core.cache import caches
from django.test import Client

from notifications.models import OutboxMessage
from tests.dues.conftest import credit
from tests.members import factories as f

pytestmark = pytest.mark.django_db


def test_the_cache_really_is_unreachable(redis_down):
    from redis.exceptions import ConnectionError as RedisConnectionError

    cache = caches["default"]
    with pytest.raises(RedisConnectionError):
        cache._cache.get_client().ping()
    cache.set("k", "v")  # answered locally
    assert cache.get("k") == "v" and cache.degraded
    assert caches["sessions"].get("anything") is None


def test_token_login_and_page_login_without_redis(redis_down, city):
    user, _m = f.member(city.branch)
    client = Client()
    token = client.post(
        "/api/v1/auth/token/",
        {"username": user.person.phone, "password": f.PASSWORD},
        content_type="application/json",
    )
    assert token.status_code == 200, token.content
    page = client.post("/login/", {"username": user.person.phone, "password": f.PASSWORD})
    assert page.status_code == 302, page.content
    home = client.get("/")  # a page with the session just made (read from the database)
    assert home.status_code == 200
    assert client.get("/messages/").status_code == 200


def test_the_token_throttle_still_counts_per_process_without_redis(redis_down, db, settings):
    settings.UNIONHUB_LOGIN_FAILURES_PER_ADDRESS = 1000  # the throttle alone, not the per-address lockout
    client = Client()
    codes = [
        client.post(
            "/api/v1/auth/token/",
            {"username": f"1380000{n:04d}", "password": "x"},
            content_type="application/json",
        ).status_code
        for n in range(31)
    ]
    assert codes[:30] == [400] * 30 and codes[30] == 429


def test_a_logout_during_the_outage_is_not_undone_when_redis_returns(own_redis):
    """A session cached in Redis, deleted (a logout) while Redis is stopped, Redis started again: the old copy is
    dropped from Redis on the first call that reaches it, not served."""
    from unionhub.lib.cache import FailoverRedisCache

    backend = FailoverRedisCache(own_redis.url, {"OPTIONS": {"fallback": "miss", "retry_after": 0}})
    backend.set("session-abc", {"user": 1})
    assert backend.get("session-abc") == {"user": 1}
    own_redis.stop()
    backend.delete("session-abc")  # the logout, while Redis is down
    assert backend.get("session-abc") is None and backend.degraded is False  # retry_after 0: tries every call
    own_redis.start()
    assert backend.get("session-abc") is None
    assert own_redis.client().keys("*session-abc") == []


def test_admin_without_redis(redis_down, city):
    client = Client()
    assert (
        client.post(
            "/admin/login/",
            {"username": city.branch_staff.username, "password": "Staff-pass-123", "next": "/admin/"},
        ).status_code
        == 302
    )
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/members/membership/").status_code == 200


def test_order_creation_and_calendar_read_the_rate_from_the_database(redis_down, april, make_member):
    user, m = make_member(joined_on=dt.date(2024, 1, 10))
    credit(m, "2024-01", "2024-12")
    client = Client()
    client.force_login(user)
    calendar = client.get("/api/v1/me/dues/2025/")
    assert calendar.status_code == 200, calendar.content
    created = client.post(
        "/api/v1/me/dues/payments/", {"year": 2025, "through_month": 4}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["amount"] == "40.00"
    assert client.get("/dues/").status_code == 200


@pytest.mark.django_db(transaction=True)  # the SMS is queued on commit: real commits
def test_approval_with_the_broker_down_answers_200_and_the_outbox_delivers_later(
    redis_down, broker_down, city, api_for, today, settings, mailoutbox
):
    from applications.models import JoinApplication
    from members.models import Membership
    from notifications.tasks import outbox_deliver_pending

    today("2025-04-15")
    applicant = f.person_user(name="刘小红", born=dt.date(1995, 5, 20), male=False)
    member = api_for(applicant)
    payload = {
        "union": city.branch.pk,
        "unit_name": "甲厂",
        "employment_type": "staff",
        "hire_date": "2024-03-01",
        "statement": "我自愿加入中华全国总工会。",
    }
    pk = member.post("/api/v1/me/join-applications/", payload, format="json").json()["id"]
    resp = api_for(city.branch_staff).post(
        f"/api/v1/join-applications/{pk}/approve/",
        {"dues_mode": "self_pay", "comment": "同意"},
        format="json",
    )
    assert resp.status_code == 200, resp.content
    assert JoinApplication.objects.get(pk=pk).state == "approved"
    assert Membership.objects.filter(person=applicant.person).exists()
    messages = OutboxMessage.objects.filter(recipient=applicant)
    assert messages.filter(channel="inbox", status="sent").exists()
    sms = messages.get(channel="sms")
    assert sms.status == "pending"  # saved, not lost: waiting for the broker
    # the broker is back: the outbox beat delivers it
    broker_down.conf.task_always_eager = True
    assert outbox_deliver_pending() >= 1
    sms.refresh_from_db()
    assert sms.status == "sent"
