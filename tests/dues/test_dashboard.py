"""The dues panel of the statistics dashboard (dues.selectors.dashboard_figures) on known data."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse

from datawork import stats
from dues import selectors, services
from dues.models import PaidMonth
from members import services as member_services
from members.models import DuesMode, Membership
from tests.dues.conftest import credit, deliver
from tests.members import factories as f
from unionhub.lib import months

pytestmark = pytest.mark.django_db

APRIL = dt.date(2025, 4, 15)


@pytest.fixture
def ledger(city, today):
    """Five members in county A and one in county B, business date 2025-04-15.

    | member | union | 2025 required (Jan–Apr) | paid of those | arrears |
    | one    | 甲厂一分工会 | Jan–Apr: 4 | Jan, Feb | Mar: 1 (not listed) |
    | late   | 乙厂工会 (dues from March) | Mar, Apr: 2 | Mar–Jun online, ¥2.50 extra | — |
    | kept   | 甲厂二分工会, retained 2025-01-20 | Jan: 1 | — | retained: not swept |
    | gone   | 甲厂工会, withdrew 2025-03-10 | Jan, Feb: 2 | Jan | withdrawn |
    | three  | 甲厂一分工会 | Jan–Apr: 4 | — | Jan–Mar: 3 |
    | payroll| 丙厂工会 (county B), payroll | Jan–Apr: 4 | — | Oct–Mar: 6 (staff report) |
    """
    ns = SimpleNamespace()
    since_2024 = {"joined_on": dt.date(2024, 1, 10)}
    _u, ns.one = f.member(city.branch, name="一月", **since_2024)
    _u, ns.kept = f.member(city.branch2, name="保留", **since_2024)
    _u, ns.gone = f.member(city.grassroots, name="退会", **since_2024)
    _u, ns.three = f.member(city.branch, name="三月", **since_2024)
    _u, ns.payroll = f.member(city.other, name="代扣", dues_mode=DuesMode.PAYROLL, **since_2024)
    credit(ns.one, "2024-01", "2025-02")
    credit(ns.kept, "2024-01", "2024-12")
    credit(ns.gone, "2024-01", "2025-01")
    credit(ns.three, "2024-01", "2024-12")
    credit(ns.payroll, "2024-01", "2024-09", source=PaidMonth.Source.PAYROLL)
    today("2025-01-20")
    member_services.membership_retain(membership_id=ns.kept.pk, actor=None, reason="retired")
    today("2025-03-10")
    member_services.membership_withdraw(membership_id=ns.gone.pk, actor=None, reason="本人申请，经谈话后同意")
    today(APRIL.isoformat())
    _u, ns.late = f.member(
        city.sibling, name="新会员", joined_on=dt.date(2025, 3, 5), hire_date=dt.date(2025, 3, 1)
    )
    order = services.dues_payment_create(membership=ns.late, year=2025, through_month=6, extra_amount="2.50")
    assert deliver(order) == "credited"
    services.dues_sweep(today=APRIL)
    return ns


def python_collection(union) -> tuple[int, int]:
    """The same figure member by member through the calendar's own rule (Ledger.required), for comparison."""
    paid = required = 0
    for membership in Membership.objects.filter(union__path__startswith=union.path):
        ledger = selectors.Ledger.load(membership)
        credited = set(PaidMonth.objects.filter(membership=membership).values_list("month", flat=True))
        for month in months.month_range(dt.date(2025, 1, 1), dt.date(2025, 5, 1)):
            if ledger.required(month):
                required += 1
                paid += month in credited
    return paid, required


def test_dues_panel_figures_for_a_county(city, ledger):
    figures = selectors.dashboard_figures(union=city.county_a, today=APRIL)
    per_month = dict(figures["per_month"])
    assert list(per_month) == [
        months.format_month(m) for m in months.month_range(dt.date(2024, 5, 1), dt.date(2025, 5, 1))
    ]
    assert per_month["2024-05"] == per_month["2024-12"] == Decimal("40.00")  # one, kept, gone, three
    assert per_month["2025-01"] == Decimal("20.00")  # one, gone
    assert per_month["2025-02"] == Decimal("10.00")  # one
    assert per_month["2025-03"] == Decimal("12.50")  # late's March and the order's extra
    assert per_month["2025-04"] == Decimal(
        "10.00"
    )  # late (May and June, paid ahead, are later ledger months)
    assert figures["collection"] == {"paid_months": 5, "required_months": 13}
    assert python_collection(city.county_a) == (5, 13)
    assert figures["collection_rate"] == Decimal("0.3846")
    assert figures["arrears"] == {"3-5": 1, "6": 0, ">6": 0}
    assert figures["arrears_as_of"] == APRIL


def test_dues_panel_figures_for_the_city_and_a_branch(city, ledger):
    figures = selectors.dashboard_figures(union=city.city, today=APRIL)
    assert figures["collection"] == {"paid_months": 5, "required_months": 17}
    assert python_collection(city.city) == (5, 17)
    assert figures["arrears"] == {"3-5": 1, "6": 1, ">6": 0}
    assert dict(figures["per_month"])["2024-09"] == Decimal("50.00")  # the payroll member's last deduction
    branch = selectors.dashboard_figures(union=city.branch, today=APRIL)
    assert branch["collection"] == {"paid_months": 2, "required_months": 8}
    assert dict(branch["per_month"])["2025-03"] == Decimal("0.00")
    assert selectors.dashboard_figures(union=city.reservoir_a, today=APRIL)["collection_rate"] is None


def test_dues_panel_query_count_does_not_grow_with_members(city, ledger, django_assert_max_num_queries):
    for i in range(20):
        _u, m = f.member(city.branch, name=f"会员{i}", joined_on=dt.date(2024, 1, 10))
        credit(m, "2024-01", "2025-04")
    with django_assert_max_num_queries(5):
        figures = selectors.dashboard_figures(union=city.city, today=APRIL)
    assert figures["collection"] == {"paid_months": 5 + 80, "required_months": 17 + 80}


def test_statistics_page_shows_the_dues_panel(client, city, ledger):
    assert stats.dues_panel(city.county_a, APRIL)["collection_rate"] == Decimal("0.3846")
    client.force_login(city.county_a_admin)
    html = client.get(reverse("admin:datawork_statisticspage_changelist")).content.decode()
    panel = html.split('data-testid="panel-dues"')[1]
    assert '<td>2025-03</td><td class="num">12.50</td>' in panel
    assert "收缴率：38%" in panel
    assert '<td>3-5</td><td class="num">1</td>' in panel
