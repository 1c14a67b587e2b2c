"""Retention (保留会籍) through the membership services: dues stop from the month after, restart at restoration."""

import datetime as dt

import pytest

from dues import selectors, services
from dues.models import ArrearsEntry
from members import services as member_services
from members.models import Membership
from tests.dues.conftest import credit, deliver

pytestmark = pytest.mark.django_db

D, P, PAY, OPEN, NR = "due", "paid", "payable", "not_open", "not_required"


def statuses(membership_id: int, year: int, on: dt.date) -> list[str]:
    membership = Membership.objects.get(pk=membership_id)
    return [c.status for c in selectors.dues_calendar(membership, year, on).months]


def test_retention_stops_dues_from_the_next_month_and_restoring_starts_them_again(today, make_member):
    user, m = make_member(joined_on=dt.date(2024, 1, 10))
    credit(m, "2024-01", "2024-12")

    today("2025-02-10")  # retired in February: February is still owed, March on is exempt
    member_services.membership_retain(membership_id=m.pk, actor=None, reason="retired")
    feb = dt.date(2025, 2, 10)
    assert statuses(m.pk, 2025, feb) == [D, D] + [NR] * 10
    calendar = selectors.dues_calendar(Membership.objects.get(pk=m.pk), 2025, feb)
    assert calendar.payable is None  # a retained member pays nothing online
    assert calendar.unpaid == [dt.date(2025, 1, 1), dt.date(2025, 2, 1)]

    may = dt.date(2025, 5, 20)
    today(may.isoformat())
    assert statuses(m.pk, 2025, may) == [D, D] + [NR] * 10  # still retained: nothing accrues
    assert services.dues_sweep(today=may)["in_arrears"] == 0  # a retained member is not swept
    assert not ArrearsEntry.objects.filter(membership=m).exists()

    jul = dt.date(2025, 7, 20)
    today(jul.isoformat())  # restored in July: July is owed again, March–June stay exempt
    member_services.membership_restore(membership_id=m.pk, actor=None)
    assert statuses(m.pk, 2025, jul) == [D, D, NR, NR, NR, NR, D, PAY, PAY, PAY, PAY, PAY]
    assert statuses(m.pk, 2024, jul) == [P] * 12

    # arrears: Jan, Feb, then (after the exempt months, which neither count nor break the run) Jul, Aug, …
    def arrears(on: dt.date):
        rows = services.arrears_rows(on, membership_id=m.pk)
        return (rows[0][2], rows[0][3]) if rows else None

    run_start = 2025 * 12 + 0  # January 2025
    assert arrears(dt.date(2025, 8, 1)) == (3, run_start)  # Jan, Feb, Jul
    assert arrears(dt.date(2025, 10, 15)) == (5, run_start)  # + Aug, Sep
    counts = services.dues_sweep(today=dt.date(2025, 11, 3))  # Jan, Feb, Jul–Oct: 6 → final warning only
    assert counts["warned"] == 1 and counts["withdrawn"] == 0
    entry = ArrearsEntry.objects.get(membership=m)
    assert (entry.unpaid_months, entry.first_unpaid_month, entry.action) == (
        6,
        dt.date(2025, 1, 1),
        "final_warning",
    )

    # paying covers exactly the required months: the exempt ones are skipped, not charged
    today("2025-11-03")
    order = services.dues_payment_create(
        membership=Membership.objects.get(pk=m.pk), year=2025, through_month=11, extra_amount="0"
    )
    assert order.month_list == ["2025-01", "2025-02", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11"]
    assert str(order.total_amount) == "70.00"
    assert deliver(order) == "credited"
    assert statuses(m.pk, 2025, dt.date(2025, 11, 3)) == [P, P, NR, NR, NR, NR, P, P, P, P, P, PAY]
    assert services.arrears_rows(dt.date(2025, 11, 3), membership_id=m.pk) == []
    assert services.dues_sweep(today=dt.date(2025, 11, 3))["in_arrears"] == 0


def test_exempt_months_do_not_rescue_a_member_from_withdrawal(today, make_member):
    """Four unpaid months before retention and three after are seven in one run: automatic withdrawal."""
    _user, m = make_member(joined_on=dt.date(2024, 1, 10))
    credit(m, "2024-01", "2024-08")  # Sep–Dec 2024 unpaid
    today("2024-12-20")
    member_services.membership_retain(membership_id=m.pk, actor=None, reason="unemployed")
    today("2025-06-02")  # exempt Jan–May 2025
    member_services.membership_restore(membership_id=m.pk, actor=None)
    assert statuses(m.pk, 2025, dt.date(2025, 6, 2)) == [NR] * 5 + [D] + [PAY] * 5 + [OPEN]
    assert services.dues_sweep(today=dt.date(2025, 8, 1))["warned"] == 1  # Sep–Dec, Jun, Jul: 6
    assert services.dues_sweep(today=dt.date(2025, 9, 1))["withdrawn"] == 1  # + Aug: 7
    m = Membership.objects.get(pk=m.pk)
    assert m.status == "withdrawn"
    assert m.events.get(kind="auto_withdraw").detail["months"] == [
        "2024-09",
        "2024-10",
        "2024-11",
        "2024-12",
        "2025-06",
        "2025-07",
        "2025-08",
    ]


def test_retained_and_restored_within_one_month_exempts_nothing(today, make_member):
    _user, m = make_member(joined_on=dt.date(2024, 1, 10))
    credit(m, "2024-01", "2025-01")
    today("2025-02-03")
    member_services.membership_retain(membership_id=m.pk, actor=None, reason="other")
    today("2025-02-25")
    member_services.membership_restore(membership_id=m.pk, actor=None)
    assert statuses(m.pk, 2025, dt.date(2025, 5, 2)) == [P, D, D, D, D] + [PAY] * 5 + [OPEN] * 2
    assert services.arrears_rows(dt.date(2025, 5, 2), membership_id=m.pk)[0][2] == 3  # Feb, Mar, Apr
