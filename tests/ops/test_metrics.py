import datetime as dt
import re

import pytest

from dues.models import PaymentNotification
from notifications.models import OutboxMessage
from tests.applications.conftest import submit
from tests.members import factories as f

pytestmark = pytest.mark.django_db


def value(page: str, metric: str) -> float:
    match = re.search(rf"^{re.escape(metric)} ([0-9.e+]+)$", page, re.M)
    assert match, f"{metric} not in the page"
    return float(match.group(1))


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def test_metrics_hold_request_metrics_and_business_figures(client, city, today, settings):
    settings.UNIONHUB_METRICS_ALLOWED_CIDRS = ["127.0.0.1/32"]
    user = f.person_user(name="刘小红", born=dt.date(1995, 5, 20), male=False)
    today("2025-04-14")
    submit(user, union=city.branch)
    for n in range(3):
        OutboxMessage.objects.create(
            recipient=user, channel="sms", template="t", subject="s", body="b", dedupe_key=f"m{n}"
        )
    OutboxMessage.objects.create(
        recipient=user,
        channel="sms",
        template="t",
        subject="s",
        body="b",
        dedupe_key="sent",
        status=OutboxMessage.Status.SENT,
    )
    PaymentNotification.objects.create(
        provider="sandbox", raw_body="{}", outcome="rejected", reason="bad sig"
    )
    PaymentNotification.objects.create(provider="sandbox", raw_body="{}", outcome="credited")

    page = client.get("/metrics").content.decode()
    assert value(page, 'unionhub_applications_overdue{kind="join"}') == 0
    assert value(page, 'unionhub_outbox_backlog{channel="sms"}') == 3
    assert value(page, 'unionhub_payment_notifications_refused_total{provider="sandbox"}') == 1
    assert "django_http_requests_total_by_method_total" in page

    today("2025-04-18")  # past the three working days
    page = client.get("/metrics").content.decode()
    assert value(page, 'unionhub_applications_overdue{kind="join"}') == 1


def test_metrics_are_hidden_from_addresses_outside_the_allowed_networks(client, settings):
    settings.UNIONHUB_METRICS_ALLOWED_CIDRS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404
    # a forwarded header does not open the page
    assert (
        client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.0.0.5").status_code == 404
    )
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    settings.UNIONHUB_METRICS_ALLOWED_CIDRS = ["fd00::/8"]
    assert client.get("/metrics", REMOTE_ADDR="fd00::1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 404


def test_multiprocess_mode_still_reports_the_business_figures(client, monkeypatch, tmp_path, city, settings):
    settings.UNIONHUB_METRICS_ALLOWED_CIDRS = ["127.0.0.1/32"]
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    user = f.person_user()
    OutboxMessage.objects.create(
        recipient=user, channel="email", template="t", subject="s", body="b", dedupe_key="m"
    )
    page = client.get("/metrics").content.decode()
    assert value(page, 'unionhub_outbox_backlog{channel="email"}') == 1
