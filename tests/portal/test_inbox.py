import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboxMessage
from notifications.services import notify
from tests.members import factories as f

pytestmark = pytest.mark.django_db


def _message(user, subject, *, minutes_ago, channels=("inbox",)):
    created = notify(
        recipient=user,
        template="test",
        subject=subject,
        body=f"{subject}的内容",
        dedupe_key=f"test:{user.pk}:{subject}",
        channels=channels,
    )
    OutboxMessage.objects.filter(pk__in=[m.pk for m in created]).update(
        created_at=timezone.now() - dt.timedelta(minutes=minutes_ago)
    )
    return created[0]


@pytest.fixture
def inbox_user(city):
    user, _membership = f.member(city.branch)
    other, _ = f.member(city.branch)
    _message(user, "入会申请已批准", minutes_ago=300)
    _message(user, "会费欠缴提醒", minutes_ago=5, channels=("inbox", "sms"))
    _message(user, "转会申请已受理", minutes_ago=60)
    _message(other, "别人的消息", minutes_ago=1)
    return user


def test_inbox_lists_own_in_site_messages_newest_first(client, inbox_user):
    client.force_login(inbox_user)
    response = client.get(reverse("member-inbox"))
    subjects = [m.subject for m in response.context["inbox_page"]]
    assert subjects == ["会费欠缴提醒", "转会申请已受理", "入会申请已批准"]
    html = response.content.decode()
    assert "别人的消息" not in html
    assert html.count('data-testid="inbox-item"') == 3  # the SMS copy is not an inbox message


def test_home_page_counts_unread_and_marking_read_lowers_it(client, inbox_user):
    client.force_login(inbox_user)
    assert "3 条未读" in client.get(reverse("member-home")).content.decode()
    newest = OutboxMessage.objects.get(recipient=inbox_user, channel="inbox", subject="会费欠缴提醒")
    response = client.post(reverse("member-inbox-read", args=[newest.pk]))
    assert response.status_code == 302
    newest.refresh_from_db()
    assert newest.read_at is not None
    first_read = newest.read_at
    client.post(reverse("member-inbox-read", args=[newest.pk]))
    newest.refresh_from_db()
    assert newest.read_at == first_read
    assert "2 条未读" in client.get(reverse("member-home")).content.decode()
    client.post(reverse("member-inbox-read-all"))
    home = client.get(reverse("member-home")).content.decode()
    assert "没有未读消息" in home
    assert (
        OutboxMessage.objects.filter(
            recipient__username__startswith="p", read_at__isnull=True, channel="inbox"
        ).count()
        == 1
    )  # the other member's stays unread


def test_marking_someone_elses_message_is_not_found(client, inbox_user):
    theirs = OutboxMessage.objects.get(subject="别人的消息")
    client.force_login(inbox_user)
    assert client.post(reverse("member-inbox-read", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("member-inbox-read", args=[theirs.pk])).status_code == 405
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_inbox_api_lists_newest_first_with_unread_count_and_marks_read(api_for, inbox_user):
    api = api_for(inbox_user)
    data = api.get("/api/v1/me/messages/").json()
    assert data["count"] == 3 and data["unread_count"] == 3
    assert [m["subject"] for m in data["results"]] == ["会费欠缴提醒", "转会申请已受理", "入会申请已批准"]
    assert all(m["unread"] for m in data["results"])
    first = data["results"][0]["id"]
    marked = api.post(f"/api/v1/me/messages/{first}/read/").json()
    assert marked["unread"] is False and marked["read_at"]
    assert api.get("/api/v1/me/messages/").json()["unread_count"] == 2
    assert api.post("/api/v1/me/messages/read-all/").json() == {"marked": 2}
    assert api.get("/api/v1/me/messages/").json()["unread_count"] == 0


def test_inbox_api_refuses_other_peoples_messages_and_anonymous_callers(api, api_for, inbox_user):
    theirs = OutboxMessage.objects.get(subject="别人的消息")
    assert api_for(inbox_user).post(f"/api/v1/me/messages/{theirs.pk}/read/").status_code == 404
    assert api.get("/api/v1/me/messages/").status_code in (401, 403)


def test_empty_inbox_says_so(client, city):
    user = f.person_user()
    client.force_login(user)
    assert 'data-testid="inbox-empty"' in client.get(reverse("member-inbox")).content.decode()
