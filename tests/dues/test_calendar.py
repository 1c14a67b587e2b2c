"""The month calendar and the payment rules, on the Tsinghua worked examples (business date 2025-04-15)."""

import datetime as dt

import pytest

from dues import selectors, services
from members import services as member_services
from members.models import Membership
from tests.dues.conftest import credit
from unionhub.lib.errors import BusinessError

pytestmark = pytest.mark.django_db


def statuses(calendar):
    return [c.status for c in calendar.months]


def test_example_1_paid_jan_to_mar_pays_apr_to_aug_with_two_yuan_extra(april, make_member):
    _user, m = make_member()
    credit(m, "2024-01", "2025-03")
    cal = selectors.dues_calendar(m, 2025, april)
    assert statuses(cal)[:4] == ["paid", "paid", "paid", "due"]
    assert cal.payable == {"min_through": 4, "max_through": 9}
    order = services.dues_payment_create(membership=m, year=2025, through_month=8, extra_amount="2")
    assert order.months_count == 5 and order.month_list == [
        "2025-04",
        "2025-05",
        "2025-06",
        "2025-07",
        "2025-08",
    ]
    assert str(order.dues_amount) == "50.00" and str(order.extra_amount) == "2.00"
    assert str(order.total_amount) == "52.00"


def test_example_2_unpaid_feb_mar_must_pay_through_april_may_extend_to_september(april, make_member):
    _user, m = make_member()
    credit(m, "2024-01", "2025-01")
    cal = selectors.dues_calendar(m, 2025, april)
    assert statuses(cal) == ["paid", "due", "due", "due"] + ["payable"] * 5 + ["not_open"] * 3
    assert cal.payable == {"min_through": 4, "max_through": 9}
    with pytest.raises(BusinessError) as exc:
        services.dues_payment_create(membership=m, year=2025, through_month=3, extra_amount="0")
    assert exc.value.code == "below_minimum"
    with pytest.raises(BusinessError) as exc:
        services.dues_payment_create(membership=m, year=2025, through_month=10, extra_amount="0")
    assert exc.value.code == "beyond_window"
    order = services.dues_payment_create(membership=m, year=2025, through_month=9, extra_amount="0")
    assert order.month_list[0] == "2025-02" and order.months_count == 8 and str(order.total_amount) == "80.00"


def test_example_3_previous_year_first_as_a_payment_of_its_own(april, make_member):
    _user, m = make_member(joined_on=dt.date(2023, 5, 1))
    credit(m, "2023-05", "2024-10")
    cal = selectors.dues_calendar(m, 2025, april)
    assert cal.blocked_by_year == 2024 and cal.payable is None
    with pytest.raises(BusinessError) as exc:
        services.dues_payment_create(membership=m, year=2025, through_month=4, extra_amount="0")
    assert exc.value.code == "previous_year_arrears"
    cal_2024 = selectors.dues_calendar(m, 2024, april)
    assert statuses(cal_2024)[10:] == ["due", "due"]
    assert cal_2024.payable == {"min_through": 12, "max_through": 12}
    order = services.dues_payment_create(membership=m, year=2024, through_month=12, extra_amount="0")
    assert order.month_list == ["2024-11", "2024-12"] and str(order.total_amount) == "20.00"


def test_earlier_year_payment_must_cover_all_its_unpaid_months(april, make_member):
    _user, m = make_member(joined_on=dt.date(2023, 5, 1))
    credit(m, "2023-05", "2024-10")
    with pytest.raises(BusinessError) as exc:
        services.dues_payment_create(membership=m, year=2024, through_month=11, extra_amount="0")
    assert exc.value.code == "below_minimum"


def test_example_4_hired_february_joined_april_starts_in_february(april, make_member):
    _user, m = make_member(joined_on=dt.date(2025, 4, 10), hire_date=dt.date(2025, 2, 1))
    assert m.dues_start == dt.date(2025, 2, 1)
    cal = selectors.dues_calendar(m, 2025, april)
    assert statuses(cal) == ["not_required", "due", "due", "due"] + ["payable"] * 5 + ["not_open"] * 3
    assert [c.amount for c in cal.months][0] is None
    assert all(str(c.amount) == "10.00" for c in cal.months[1:])


def test_example_5_hired_2023_joined_2025_starts_in_january(april, make_member):
    _user, m = make_member(joined_on=dt.date(2025, 4, 10), hire_date=dt.date(2023, 10, 1))
    assert m.dues_start == dt.date(2025, 1, 1)
    cal = selectors.dues_calendar(m, 2025, april)
    assert statuses(cal) == ["due"] * 4 + ["payable"] * 5 + ["not_open"] * 3
    assert cal.blocked_by_year is None


def test_december_window_capped_and_no_next_year_payment(today, make_member):
    today("2025-12-10")
    _user, m = make_member()
    credit(m, "2024-01", "2025-11")
    cal = selectors.dues_calendar(m, 2025, dt.date(2025, 12, 10))
    assert cal.payable == {"min_through": 12, "max_through": 12}
    assert statuses(selectors.dues_calendar(m, 2026, dt.date(2025, 12, 10))) == ["not_open"] * 12
    with pytest.raises(BusinessError) as exc:
        services.dues_payment_create(membership=m, year=2026, through_month=1, extra_amount="0")
    assert exc.value.code == "beyond_window"


def test_retained_months_are_not_required(today, make_member):
    _user, m = make_member()
    credit(m, "2024-01", "2025-01")
    today("2025-02-10")
    member_services.membership_retain(membership_id=m.pk, actor=None, reason="unemployed")
    today("2025-06-20")
    member_services.membership_restore(membership_id=m.pk, actor=None)
    m = Membership.objects.get(pk=m.pk)
    cal = selectors.dues_calendar(m, 2025, dt.date(2025, 6, 20))
    # retained in February: exempt March–May; restored in June: June is owed again
    assert statuses(cal)[:7] == [
        "paid",
        "due",
        "not_required",
        "not_required",
        "not_required",
        "due",
        "payable",
    ]
    order = services.dues_payment_create(membership=m, year=2025, through_month=6, extra_amount="0")
    assert order.month_list == ["2025-02", "2025-06"] and str(order.total_amount) == "20.00"


def test_calendar_query_count_does_not_grow_with_history(april, make_member, django_assert_max_num_queries):
    _user, m = make_member(joined_on=dt.date(1995, 1, 1))
    credit(m, "1995-01", "2025-02")
    with django_assert_max_num_queries(6) as captured:
        cal = selectors.dues_calendar(m, 2025, april)
    assert cal.payable == {"min_through": 4, "max_through": 9}
    assert len(captured.captured_queries) == 3  # retention periods, paid months, rate


@pytest.mark.parametrize(
    ("setup", "kwargs", "code"),
    [
        ("paid_up", {"year": 2025, "through_month": 9}, "nothing_payable"),
        ("plain", {"year": 2025, "through_month": 4, "extra_amount": "-1"}, "invalid_extra"),
        ("plain", {"year": 2025, "through_month": 4, "extra_amount": "1.234"}, "invalid_extra"),
        ("plain", {"year": 2025, "through_month": 4, "extra_amount": "abc"}, "invalid_extra"),
        ("payroll", {"year": 2025, "through_month": 4}, "not_self_pay"),
        ("withdrawn", {"year": 2025, "through_month": 4}, "membership_inactive"),
    ],
)
def test_payment_refusals(april, make_member, setup, kwargs, code):
    from members.models import DuesMode

    _user, m = make_member(dues_mode=DuesMode.PAYROLL if setup == "payroll" else DuesMode.SELF_PAY)
    credit(m, "2024-01", "2025-03")
    if setup == "paid_up":
        credit(m, "2025-04", "2025-12")
    if setup == "withdrawn":
        member_services.membership_withdraw(membership_id=m.pk, actor=None, reason="本人申请")
        m = Membership.objects.get(pk=m.pk)
    kwargs.setdefault("extra_amount", "0")
    with pytest.raises(BusinessError) as exc:
        services.dues_payment_create(membership=m, **kwargs)
    assert exc.value.code == code


def test_new_order_supersedes_the_pending_one(april, make_member):
    from dues.models import PaymentOrder

    _user, m = make_member()
    credit(m, "2024-01", "2025-03")
    first = services.dues_payment_create(membership=m, year=2025, through_month=4, extra_amount="0")
    second = services.dues_payment_create(membership=m, year=2025, through_month=6, extra_amount="0")
    first.refresh_from_db()
    assert first.status == PaymentOrder.Status.SUPERSEDED and second.status == PaymentOrder.Status.PENDING


def test_months_after_withdrawal_are_not_required(today, make_member):
    _user, m = make_member()
    credit(m, "2024-01", "2025-01")
    today("2025-03-10")
    member_services.membership_withdraw(membership_id=m.pk, actor=None, reason="本人申请退会")
    m = Membership.objects.get(pk=m.pk)
    cal = selectors.dues_calendar(m, 2025, dt.date(2025, 4, 15))
    assert statuses(cal)[:3] == ["paid", "due"] + ["not_required"]
    assert all(s == "not_required" for s in statuses(cal)[2:])
    assert cal.payable is None


def test_calendar_api_for_an_account_without_membership(api_for, city):
    from tests.members import factories as f

    assert api_for(f.person_user()).get("/api/v1/me/dues/2025/").json()["code"] == "not_a_member"
    assert api_for(city.branch_staff).get("/api/v1/me/dues/2025/").json()["code"] == "not_a_member_account"
