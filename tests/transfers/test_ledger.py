"""A transfer moves the member with the whole dues ledger: paid months, arrears and the next payment."""

import datetime as dt

import pytest

from dues import selectors as dues_selectors
from dues import services as dues_services
from dues.models import ArrearsEntry, PaidMonth, PaymentOrder
from members import selectors as member_selectors
from members.models import Membership
from tests.dues.conftest import credit, deliver, seed_rates
from tests.members import factories as f
from tests.transfers.conftest import ask
from transfers import services
from unionhub.lib.errors import BusinessError

pytestmark = pytest.mark.django_db

APRIL = dt.date(2025, 4, 15)


@pytest.fixture
def april(today):
    today(APRIL.isoformat())
    return APRIL


@pytest.fixture
def member_2024(city):
    """A self-pay member of 甲厂一分工会 since January 2024 (dues from January 2024)."""
    seed_rates()
    return f.member(city.branch, name="周会员", joined_on=dt.date(2024, 1, 10))


def ledger_view(membership_id: int, today: dt.date) -> dict:
    """Everything the dues app says about a member on `today`: both calendars, the sweep's view, the credits."""
    membership = Membership.objects.get(pk=membership_id)
    calendars = {
        year: [
            (c.month, c.status, c.amount)
            for c in dues_selectors.dues_calendar(membership, year, today).months
        ]
        for year in (2024, 2025)
    }
    [row] = dues_services.arrears_rows(today, membership_id=membership_id)
    entry = ArrearsEntry.objects.get(membership_id=membership_id)
    return {
        "calendars": calendars,
        "unpaid": {y: dues_selectors.dues_calendar(membership, y, today).unpaid for y in (2024, 2025)},
        "arrears": (row[0], row[2], row[3]),
        "entry": (entry.unpaid_months, entry.first_unpaid_month, entry.action),
        "credits": list(
            PaidMonth.objects.filter(membership_id=membership_id)
            .order_by("month")
            .values_list("month", "amount", "source", "payment_id")
        ),
        "orders": list(
            PaymentOrder.objects.filter(membership_id=membership_id)
            .order_by("pk")
            .values_list("order_no", "status", "month_list", "total_amount")
        ),
    }


def test_transfer_keeps_paid_months_and_arrears_exactly(city, member_2024, april):
    user, membership = member_2024
    credit(membership, "2024-01", "2024-08")  # paid through August 2024 ...
    credit(membership, "2024-10", "2024-10")  # ... and October: Sep, Nov, Dec 2024, Jan–Mar 2025 unpaid
    dues_services.dues_sweep(today=april)
    before = ledger_view(membership.pk, april)
    assert before["arrears"][1:] == (5, 2024 * 12 + 10)  # the run: Nov 2024 – Mar 2025
    assert before["entry"] == (5, dt.date(2024, 11, 1), "reminder")
    assert [m.isoformat()[:7] for m in before["unpaid"][2024]] == ["2024-09", "2024-11", "2024-12"]

    app = ask(user, unit_name="丙厂")  # the dispatch route: city → county B → 丙厂工会
    app = services.transfer_application_dispatch(
        application_id=app.pk, actor=city.city_admin, county=city.county_b
    )
    app = services.transfer_application_verify(
        application_id=app.pk, actor=city.county_b_admin, union=city.other
    )
    services.transfer_application_approve(application_id=app.pk, actor=city.other_staff, comment="同意")
    moved = Membership.objects.get(pk=membership.pk)
    assert moved.union == city.other

    dues_services.dues_sweep(today=april)
    assert ledger_view(membership.pk, april) == before
    # the new union's staff see the member's whole ledger, the old union's staff no longer do
    in_scope = PaidMonth.objects.filter(member_selectors.scope_filter(city.other_staff, "membership__union"))
    assert in_scope.count() == len(before["credits"])
    assert not PaidMonth.objects.filter(
        member_selectors.scope_filter(city.branch_staff, "membership__union")
    ).exists()

    # a payment in the new union continues the same ledger: 2024's arrears first, then 2025
    with pytest.raises(BusinessError) as exc:
        dues_services.dues_payment_create(membership=moved, year=2025, through_month=4, extra_amount="0")
    assert exc.value.code == "previous_year_arrears"
    order = dues_services.dues_payment_create(membership=moved, year=2024, through_month=12, extra_amount="0")
    assert order.month_list == ["2024-09", "2024-11", "2024-12"] and str(order.total_amount) == "30.00"
    assert deliver(order) == "credited"
    order = dues_services.dues_payment_create(
        membership=moved, year=2025, through_month=4, extra_amount="1.50"
    )
    assert order.month_list == ["2025-01", "2025-02", "2025-03", "2025-04"]
    assert deliver(order, transaction_id="TX-2") == "credited"

    cal = dues_selectors.dues_calendar(Membership.objects.get(pk=moved.pk), 2025, april)
    assert [c.status for c in cal.months[:5]] == ["paid", "paid", "paid", "paid", "payable"]
    assert PaidMonth.objects.filter(membership=moved).count() == 9 + 3 + 4
    assert Membership.objects.filter(person=user.person).count() == 1
    assert dues_services.arrears_rows(april, membership_id=moved.pk) == []
    assert dues_services.dues_sweep(today=april)["in_arrears"] == 0


def test_transfer_with_a_new_dues_mode_keeps_the_months_and_reports_arrears_to_the_new_union(
    city, member_2024, april
):
    user, membership = member_2024
    credit(membership, "2024-01", "2024-11")  # Dec 2024 – Mar 2025 unpaid: 4
    before = ledger_view_after_sweep(membership.pk, april)

    app = ask(user, union=city.sibling, unit_name="乙厂")
    services.transfer_application_approve(
        application_id=app.pk, actor=city.sibling_staff, dues_mode="payroll"
    )
    after = ledger_view_after_sweep(membership.pk, april)
    assert after["calendars"] == before["calendars"] and after["credits"] == before["credits"]
    assert after["arrears"] == before["arrears"]
    assert before["entry"] == (4, dt.date(2024, 12, 1), "reminder")
    assert after["entry"] == (
        4,
        dt.date(2024, 12, 1),
        "staff_report",
    )  # payroll arrears go to staff, no withdrawal
    assert Membership.objects.get(pk=membership.pk).status == "active"


def ledger_view_after_sweep(membership_id: int, today: dt.date) -> dict:
    dues_services.dues_sweep(today=today)
    return ledger_view(membership_id, today)
