"""The arrears sweep: set-based over all members; reminders, final warning, automatic withdrawal."""

import datetime as dt

import pytest
from django.core.management import call_command

from dues import services, tasks
from dues.models import ArrearsEntry
from members import services as member_services
from members.models import DuesMode, Membership, MembershipEvent
from notifications.models import OutboxMessage
from tests.dues.conftest import credit

pytestmark = pytest.mark.django_db


def test_exactly_six_unpaid_months_gets_the_final_warning_not_withdrawal(april, make_member):
    user, m = make_member()
    credit(m, "2024-01", "2024-09")  # Oct–Mar unpaid: 6
    counts = services.dues_sweep(today=april)
    assert counts["warned"] == 1 and counts["withdrawn"] == 0
    assert Membership.objects.get(pk=m.pk).status == "active"
    assert OutboxMessage.objects.filter(recipient=user, template="dues_final", channel="inbox").count() == 1
    services.dues_sweep(today=april)  # the next day: deduplicated within the month
    assert OutboxMessage.objects.filter(recipient=user, template="dues_final", channel="inbox").count() == 1
    assert ArrearsEntry.objects.get(membership=m).unpaid_months == 6


def test_seven_unpaid_months_withdraws_self_pay_member_with_reason_and_months(april, make_member):
    user, m = make_member()
    credit(m, "2024-01", "2024-08")  # Sep–Mar unpaid: 7
    counts = services.dues_sweep(today=april)
    assert counts["withdrawn"] == 1
    m = Membership.objects.get(pk=m.pk)
    assert m.status == "withdrawn" and m.auto_withdrawn
    event = m.events.get(kind=MembershipEvent.Kind.AUTO_WITHDRAW)
    assert "7" in event.reason
    assert event.detail["unpaid_months"] == 7
    assert event.detail["months"] == [
        "2024-09",
        "2024-10",
        "2024-11",
        "2024-12",
        "2025-01",
        "2025-02",
        "2025-03",
    ]
    assert OutboxMessage.objects.filter(recipient=user, template="dues_auto_withdraw").exists()


def test_three_unpaid_months_sends_a_reminder(april, make_member):
    user, m = make_member()
    credit(m, "2024-01", "2024-12")
    assert services.dues_sweep(today=april)["reminded"] == 1
    inbox, sms = (
        OutboxMessage.objects.get(recipient=user, template="dues_reminder", channel=c)
        for c in ("inbox", "sms")
    )
    assert "3个月" in inbox.body and inbox.status == "sent" and sms.status == "pending"
    assert services.dues_sweep(today=april)["reminded"] == 0  # once a month
    assert services.dues_sweep(today=dt.date(2025, 5, 2))["reminded"] == 1  # May: 4 months, reminded again


def test_back_dues_from_before_joining_are_not_arrears(today, make_member):
    # hired in January, joined in October: Jan–Sep are owed (dues start) but are not arrears
    _user, m = make_member(joined_on=dt.date(2025, 10, 8), hire_date=dt.date(2025, 1, 6))
    assert m.dues_start == dt.date(2025, 1, 1)
    counts = services.dues_sweep(today=dt.date(2025, 11, 2))
    assert counts["in_arrears"] == 0
    assert Membership.objects.get(pk=m.pk).status == "active"


def test_retained_months_neither_count_nor_break_the_run(today, make_member):
    _user, m = make_member()
    credit(m, "2024-01", "2024-08")  # Sep, Oct unpaid, then retained Nov–Feb, then Mar–Jun unpaid
    today("2024-10-20")
    member_services.membership_retain(membership_id=m.pk, actor=None, reason="military")
    today("2025-03-05")
    member_services.membership_restore(membership_id=m.pk, actor=None)
    today("2025-07-01")
    [row] = services.arrears_rows(dt.date(2025, 7, 1), membership_id=m.pk)
    assert row[2] == 2 + 4 and row[3] == 2024 * 12 + 8  # the run starts in September 2024
    assert services.dues_sweep(today=dt.date(2025, 7, 1))["warned"] == 1
    assert services.dues_sweep(today=dt.date(2025, 8, 1))["withdrawn"] == 1


def test_payroll_and_unit_arrears_go_to_the_staff_report(april, make_member):
    _u1, payroll = make_member(dues_mode=DuesMode.PAYROLL)
    _u2, unit = make_member(dues_mode=DuesMode.UNIT_PAID)
    counts = services.dues_sweep(today=april)
    assert counts["reported"] == 2 and counts["withdrawn"] == 0
    assert set(ArrearsEntry.objects.values_list("action", flat=True)) == {"staff_report"}
    assert Membership.objects.get(pk=payroll.pk).status == "active"
    assert Membership.objects.get(pk=unit.pk).status == "active"


def test_command_and_task_run_the_same_sweep(april, make_member):
    _user, m = make_member()
    credit(m, "2024-01", "2024-08")
    tasks.dues_sweep()
    assert Membership.objects.get(pk=m.pk).status == "withdrawn"
    call_command("dues_sweep")  # nothing left to do, and no error


def test_sweep_is_a_fixed_number_of_queries_for_members_not_in_arrears(
    april, make_member, django_assert_max_num_queries
):
    for _ in range(15):
        _u, m = make_member()
        credit(m, "2024-01", "2025-03")
    # the sweep's statements, plus its run record (start, plan, finish) and their savepoints: none per member
    with django_assert_max_num_queries(16):
        services.dues_sweep(today=april)


def test_reinstated_member_is_not_withdrawn_again_for_the_same_months(april, make_member):
    _user, m = make_member()
    credit(m, "2024-01", "2024-08")
    assert services.dues_sweep(today=april)["withdrawn"] == 1
    member_services.membership_reinstate(membership_id=m.pk, actor=None, reason="工资代扣记录漏报，已核实")
    assert services.dues_sweep(today=april)["withdrawn"] == 0
    assert Membership.objects.get(pk=m.pk).status == "active"
    # the clock restarts at the reinstatement month: seven more unpaid months and the rule applies again
    assert services.dues_sweep(today=dt.date(2025, 11, 3))["withdrawn"] == 1
