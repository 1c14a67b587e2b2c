"""The member home page reads the sections' facts with the membership: a handful of queries, the same page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.services import notify
from tests.members import factories as f
from tests.transfers.conftest import ask

pytestmark = pytest.mark.django_db


def _home(client):
    client.get(reverse("member-home"))  # the first request after login writes the idle clock
    with CaptureQueriesContext(connection) as captured:
        html = client.get(reverse("member-home")).content.decode()
    return html, len(captured.captured_queries)


@pytest.mark.parametrize("with_transfer", [False, True])
def test_home_page_shows_unread_messages_and_the_transfer_in_few_queries(client, city, with_transfer):
    user, _membership = f.member(city.branch)
    other, _ = f.member(city.branch)
    for n, recipient in enumerate([user, user, other]):
        notify(
            recipient=recipient,
            template="t",
            subject=f"消息{n}",
            body="…",
            dedupe_key=f"t:{n}",
            channels=("inbox",),
        )
    app = ask(user, union=city.other) if with_transfer else None
    client.force_login(user)
    html, queries = _home(client)
    assert "2 条未读" in html  # the other member's message is not counted
    assert ('href="/transfer/' in html and "查看转会进度" in html) is with_transfer
    if app is not None:
        assert reverse("transfer-detail", args=[app.pk]) in html
    # user, membership (with its unread count and whether a transfer was asked for), paid months, and the
    # transfer only when there is one; the rate is cached
    assert queries <= (4 if with_transfer else 3)
