"""One business clock: under UNIONHUB_TODAY every timestamp with business meaning falls on the business date."""

import datetime as dt
import re

import pytest
from django.apps import apps
from django.test import Client

from applications import services as app_services
from applications.models import JoinApplication
from dues import services as dues_services
from members import services as member_services
from members.models import MembershipEvent
from notifications import inbox
from notifications.models import OutboxMessage
from notifications.services import notify
from tests.members import factories as f
from unionhub.audit import audit_record
from unionhub.lib import clock
from unionhub.models import AuditEntry

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 4, 15)

# (app.Model, field): every business timestamp a row gets when it is written
BUSINESS_FIELDS = [
    ("applications.JoinApplication", "created_at"),
    ("transfers.TransferApplication", "created_at"),
    ("members.Membership", "created_at"),
    ("members.MembershipEvent", "at"),
    ("members.ProfileChange", "at"),
    ("datawork.ImportJob", "created_at"),
    ("dues.PaymentOrder", "created_at"),
    ("dues.PaidMonth", "created_at"),
    ("notifications.OutboxMessage", "created_at"),
    ("unionhub.AuditEntry", "at"),
]


def local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(clock.SHANGHAI).date()


@pytest.mark.parametrize(("model", "field"), BUSINESS_FIELDS)
def test_business_timestamps_take_the_business_clock(model, field, today):
    today("2025-04-15")
    column = apps.get_model(model)._meta.get_field(field)
    assert not column.auto_now_add and column.default is clock.now
    assert local_day(column.get_default()) == DAY


def test_submission_step_message_order_audit_and_membership_on_the_business_date(city, today):
    today("2025-04-15")
    user = f.person_user(name="林晓", born=dt.date(1990, 2, 2))
    app = app_services.join_application_submit(
        user=user,
        union=city.branch,
        unit_name="甲厂",
        employment_type="staff",
        hire_date=dt.date(2024, 3, 1),
        statement="",
        proof=None,
    )
    app_services.join_application_approve(
        application_id=app.pk, actor=city.branch_staff, dues_mode="self_pay"
    )
    app = JoinApplication.objects.get(pk=app.pk)
    assert local_day(app.created_at) == DAY and local_day(app.decided_at) == DAY
    membership = app.membership
    assert local_day(membership.created_at) == DAY
    assert all(local_day(e.at) == DAY for e in MembershipEvent.objects.filter(membership=membership))
    messages = OutboxMessage.objects.filter(recipient=user)
    assert messages and all(local_day(m.created_at) == DAY for m in messages)
    assert all(local_day(m.sent_at) == DAY for m in messages if m.sent_at)
    inbox.inbox_read_all(user=user)
    assert all(
        local_day(m.read_at) == DAY for m in OutboxMessage.objects.filter(recipient=user, channel="inbox")
    )
    order = dues_services.dues_payment_create(
        membership=membership, year=2025, through_month=4, extra_amount="0"
    )
    assert local_day(order.created_at) == DAY
    entry = audit_record(actor=city.branch_staff, action="test", obj=membership)
    assert local_day(AuditEntry.objects.get(pk=entry.pk).at) == DAY
    # the page shows the same day beside the due date and the timeline
    page = Client()
    page.force_login(user)
    html = page.get(f"/join/{app.pk}/").content.decode()
    assert re.search(r"<dd>2025-04-15 \d\d:\d\d</dd>", html), html
    real_day = dt.datetime.now(clock.SHANGHAI).date().isoformat()
    assert real_day not in html


def test_sent_and_read_times_on_the_business_date(city, today):
    today("2025-04-15")
    user, _m = f.member(city.branch)
    notify(recipient=user, template="t", subject="s", body="b", dedupe_key="clock-test", channels=("inbox",))
    message = OutboxMessage.objects.get(dedupe_key__startswith="clock-test")
    assert local_day(message.sent_at) == DAY
    inbox.inbox_read_all(user=user)
    message.refresh_from_db()
    assert local_day(message.read_at) == DAY


def test_retention_restore_event_on_the_business_date(city, today):
    today("2025-04-15")
    _user, m = f.member(city.branch)
    member_services.membership_retain(
        membership_id=m.pk, actor=city.branch_staff, reason="unemployed", note=""
    )
    assert local_day(MembershipEvent.objects.filter(membership=m).latest("pk").at) == DAY
