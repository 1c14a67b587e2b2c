import datetime as dt
import inspect
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

import demo.members
from datawork import review
from datawork.tasks import union_review_remind
from members.models import CommitteeMember, EmployerUnit, Union
from notifications.models import OutboxMessage
from unionhub.lib import creditcode
from unionhub.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_review_reminder_goes_once_per_union_staff_and_half_year(city, today):
    today("2025-01-02")
    staff_count = 8
    assert union_review_remind() == staff_count
    assert union_review_remind() == 0  # dedupe within the half-year
    inbox = OutboxMessage.objects.filter(recipient=city.branch_staff, channel="inbox").get()
    assert "2025年上半年" in inbox.subject and "甲厂一分工会" in inbox.subject
    today("2025-07-01")
    review.union_review_confirm(union_id=city.branch.pk, actor=city.branch_staff)
    assert union_review_remind() == staff_count - 1  # the branch confirmed this half-year already
    assert not OutboxMessage.objects.filter(recipient=city.branch_staff, subject__contains="下半年").exists()


def test_review_reminder_is_in_the_beat_schedule_for_january_and_july(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["union-review-remind"]
    assert entry["task"] == union_review_remind.name == "members.tasks.union_review_remind"
    assert entry["schedule"].month_of_year == {1, 7}


def test_confirm_action_records_when_and_who(client, city, today):
    today("2025-07-03")
    client.force_login(city.grassroots_staff)
    response = client.post(
        reverse("admin:datawork_unionreview_changelist"),
        {"action": "confirm_reviewed", "_selected_action": [city.branch.pk, city.grassroots.pk]},
    )
    assert response.status_code == 302
    city.branch.refresh_from_db()
    assert timezone.localdate(city.branch.reviewed_at) == dt.date(2025, 7, 3)  # the business day, not UTC's
    assert not review.union_review_due(city.branch, dt.date(2025, 7, 3))
    assert review.union_review_due(city.branch, dt.date(2026, 1, 5))
    assert AuditEntry.objects.filter(action="union_review_confirm", actor=city.grassroots_staff).count() == 2
    listing = client.get(reverse("admin:datawork_unionreview_changelist")).content.decode()
    assert "2025" in listing and "待确认" in listing  # the branch2 is still to confirm


def _union_form(union: Union, **changes) -> dict:
    data = {
        "name": union.name,
        "union_type": union.union_type,
        "phone": union.phone,
        "region": union.region,
        "address": union.address,
        "leader_name": union.leader_name,
        "founded_on": "",
        "term": union.term,
        "employer_name": "",
        "employer_credit_code": "",
        "employer_nature": "",
        "employer_address": "",
        "employer_worker_count": "",
        "committee_members-TOTAL_FORMS": "1",
        "committee_members-INITIAL_FORMS": "0",
        "committee_members-MIN_NUM_FORMS": "0",
        "committee_members-MAX_NUM_FORMS": "1000",
        "committee_members-0-committee": "women",
        "committee_members-0-name": "周敏",
        "committee_members-0-gender": "F",
        "committee_members-0-position": "主任",
        "committee_members-0-term_start": "2024-01-01",
        "committee_members-0-term_end": "2028-12-31",
    }
    data.update(changes)
    return data


def test_union_staff_and_parents_keep_union_data_and_committees_with_changes_recorded(client, city):
    url = reverse("admin:members_union_change", args=[city.grassroots.pk])
    client.force_login(city.grassroots_staff)
    response = client.post(
        url,
        _union_form(
            city.grassroots,
            leader_name="钱主席",
            founded_on="2001-05-06",
            employer_name="甲厂有限公司",
            employer_credit_code="91420500MA4899000p",
            employer_nature="私营经济",
            employer_worker_count="300",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    city.grassroots.refresh_from_db()
    assert city.grassroots.leader_name == "钱主席" and city.grassroots.founded_on == dt.date(2001, 5, 6)
    assert city.grassroots.employer.credit_code == "91420500MA4899000P"
    assert city.grassroots.employer.worker_count == 300
    assert CommitteeMember.objects.get(union=city.grassroots).name == "周敏"
    entry = LogEntry.objects.filter(object_id=str(city.grassroots.pk)).latest("action_time")
    assert "leader_name" in entry.change_message or "工会负责人" in entry.get_change_message()
    audit = AuditEntry.objects.get(action="union_update")
    assert "leader_name" in audit.detail["fields"] and "委员会成员" in audit.detail["fields"]
    # the county above may edit too; the place in the tree stays as it is
    client.force_login(city.county_a_admin)
    response = client.post(
        url,
        _union_form(
            city.grassroots,
            phone="0717-7654321",
            parent=city.county_b.pk,
            **{"committee_members-TOTAL_FORMS": "0"},
        ),
    )
    assert response.status_code == 302
    city.grassroots.refresh_from_db()
    assert city.grassroots.phone == "0717-7654321" and city.grassroots.parent == city.county_a
    # a sibling union's staff cannot reach it
    client.force_login(city.sibling_staff)
    assert client.get(url).status_code == 302  # the admin redirects a missing object to the index
    # (403 first when its roles hold no change permission for unions at all)
    assert client.post(url, _union_form(city.grassroots, leader_name="x")).status_code in (302, 403)
    city.grassroots.refresh_from_db()
    assert city.grassroots.leader_name == "钱主席"


def test_employer_credit_code_needs_its_gb32100_check_character(client, city):
    url = reverse("admin:members_union_change", args=[city.grassroots.pk])
    client.force_login(city.grassroots_staff)
    response = client.post(
        url,
        _union_form(city.grassroots, employer_name="甲厂有限公司", employer_credit_code="91420500MA4899000A"),
    )
    assert response.status_code == 200
    assert "统一社会信用代码校验位不正确" in response.content.decode()
    city.grassroots.refresh_from_db()
    assert city.grassroots.employer is None or city.grassroots.employer.credit_code != "91420500MA4899000A"


def test_credit_code_check_and_demo_units():
    assert creditcode.validate(" 91420500ma4899000p ") == "91420500MA4899000P"
    for bad, code in [
        ("91420500MA4899000A", "uscc_checksum"),
        ("9142050", "uscc_length"),
        ("91420500MA4899000I", "uscc_format"),
    ]:
        with pytest.raises(ValidationError) as err:
            creditcode.validate(bad)
        assert err.value.code == code
    unit = EmployerUnit(name="乙厂", credit_code="91420500MA4899000A")
    with pytest.raises(ValidationError):
        unit.full_clean()
    for found in re.findall(r'credit_code="([0-9A-Z]{18})"', inspect.getsource(demo.members)):
        assert creditcode.validate(found) == found
