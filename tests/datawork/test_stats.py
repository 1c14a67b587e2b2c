import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from datawork import stats
from members import services
from members.models import Union
from tests.members import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def known(city, today):
    """County A: grassroots 2 (+1 retained) and branch 3, sibling 1; county B: other 4. Joins over three months."""
    today("2025-04-15")

    def join(union, n, on):
        return [f.member(union, joined_on=on)[1] for _ in range(n)]

    join(city.grassroots, 3, dt.date(2025, 2, 10))
    join(city.branch, 3, dt.date(2025, 3, 5))
    join(city.sibling, 1, dt.date(2025, 4, 1))
    join(city.other, 4, dt.date(2024, 12, 31))
    retained = city.grassroots.memberships.first()
    services.membership_retain(membership_id=retained.pk, actor=None, reason="retired")
    return city


def test_members_per_union_are_rolled_up_the_tree_without_retained(known):
    figures = stats.members_per_union(known.city)
    assert figures["total"] == 10 and figures["retained"] == 1 and figures["own"] == 0
    assert figures["rows"] == [("甲区总工会", 6), ("乙区总工会", 4)]
    county = stats.members_per_union(known.county_a)
    assert county["total"] == 6
    assert dict(county["rows"]) == {"甲厂工会": 5, "乙厂工会": 1, "甲区职工服务中心工会": 0}


def test_new_members_per_month_counts_joins_in_the_last_twelve_months(known):
    rows = stats.new_members_per_month(known.city, dt.date(2025, 4, 15))
    assert len(rows) == 12 and rows[0][0] == "2024-05" and rows[-1][0] == "2025-04"
    assert dict(rows) == {
        **dict.fromkeys(dict(rows), 0),
        "2024-12": 4,
        "2025-02": 3,
        "2025-03": 3,
        "2025-04": 1,
    }
    assert sum(n for _m, n in stats.new_members_per_month(known.county_b, dt.date(2025, 4, 15))) == 4


def test_dashboard_page_shows_figures_in_tables_and_charts_from_local_static(client, known):
    client.force_login(known.county_a_admin)
    page = client.get(reverse("admin:datawork_statisticspage_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="stats-total">6<' in html
    assert '<td>甲厂工会</td><td class="num">5</td>' in html
    assert "vendor/chartjs/chart.umd.min.js" in html and "cdn" not in html.lower()
    assert "乙区总工会" not in html.split('data-testid="stats-summary"')[1]
    # applications and dues panels say there is no data until those apps have their models
    if stats.applications_panel(known.county_a) is None:
        assert "暂无数据" in html.split('data-testid="panel-applications"')[1]
    # a union outside scope cannot be chosen
    assert (
        client.get(reverse("admin:datawork_statisticspage_changelist"), {"union": known.other.pk}).status_code
        == 404
    )


def test_dashboard_is_linked_from_the_admin_index_for_staff(client, city):
    client.force_login(city.branch_staff)
    html = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:datawork_statisticspage_changelist") in html
    assert reverse("admin:datawork_importjob_changelist") in html
    assert reverse("admin:datawork_unionreview_changelist") in html


@pytest.fixture
def applications(city):
    """Join applications around county A (one of each state), one waiting for the city and one in county B."""
    from zoneinfo import ZoneInfo

    from applications.models import JoinApplication

    shanghai = ZoneInfo("Asia/Shanghai")
    due = dt.date(2025, 4, 10)

    def app(n, state, *, union=None, county=None, decided=None):
        person = f.person_user(name=f"申请人{n}").person
        obj = JoinApplication.objects.create(
            applicant=person,
            union=union,
            county=county,
            unit_name="甲厂",
            employment_type="staff",
            state=state,
            due_at=due,
        )
        if decided is not None:
            JoinApplication.objects.filter(pk=obj.pk).update(decided_at=decided.replace(tzinfo=shanghai))
        return obj

    app(1, "submitted", union=city.grassroots)
    # late on the due day, local time: on time (in UTC it is still the same day, at midnight it is not)
    app(2, "approved", union=city.grassroots, decided=dt.datetime(2025, 4, 10, 23, 30))
    app(3, "rejected", union=city.grassroots, decided=dt.datetime(2025, 4, 11, 9, 0))
    app(4, "withdrawn", union=city.grassroots, decided=dt.datetime(2025, 4, 8, 9, 0))
    app(5, "dispatched", county=city.county_a)
    app(6, "submitted")
    app(7, "approved", union=city.other, decided=dt.datetime(2025, 4, 9, 10, 0))
    return city


def test_applications_panel_counts_states_and_decisions_within_three_working_days(applications):
    county = stats.applications_panel(applications.county_a)
    assert county["by_state"] == [
        ("待审核", 1),
        ("已分派", 1),
        ("已校核", 0),
        ("已批准", 1),
        ("已驳回", 1),
        ("已撤销", 1),
    ]
    assert county["total"] == 5
    assert county["in_time"] == {"decided": 2, "on_time": 1, "share": Decimal("50.0")}
    city = stats.applications_panel(applications.city)
    assert (
        dict(city["by_state"])["待审核"] == 2 and city["total"] == 7
    )  # the city also sees those without a union
    assert city["in_time"] == {"decided": 3, "on_time": 2, "share": Decimal("66.7")}
    grassroots = stats.applications_panel(applications.grassroots)
    assert grassroots["total"] == 4 and dict(grassroots["by_state"])["已分派"] == 0
    assert stats.applications_panel(applications.sibling) == {
        "by_state": [(label, 0) for label in ("待审核", "已分派", "已校核", "已批准", "已驳回", "已撤销")],
        "total": 0,
        "in_time": None,
    }


def test_dashboard_shows_the_applications_panel(client, applications):
    client.force_login(applications.county_a_admin)
    html = client.get(reverse("admin:datawork_statisticspage_changelist")).content.decode()
    panel = html.split('data-testid="panel-applications"')[1].split("</section>")[0]
    assert 'data-source="chart-applications"' in panel
    assert '<td>已驳回</td><td class="num">1</td>' in panel
    assert "已办结 2 件，其中按时（3个工作日内）1 件，占 50.0%。" in panel
    client.force_login(applications.sibling_staff)
    html = client.get(reverse("admin:datawork_statisticspage_changelist")).content.decode()
    assert "暂无数据" in html.split('data-testid="panel-applications"')[1].split("</section>")[0]


def test_a_unions_statistics_page_leads_to_the_dashboard_only_within_scope(client, city):
    url = reverse("admin:datawork_statisticspage_change", args=[city.grassroots.pk])
    client.force_login(city.sibling_staff)
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("admin:datawork_statisticspage_history", args=[city.grassroots.pk])).status_code
        == 302
    )
    client.force_login(city.county_a_admin)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].endswith(f"?union={city.grassroots.pk}")


def test_dashboard_lists_unions_due_for_renewal_in_scope_overdue_first(client, city, today):
    today("2026-06-15")
    Union.objects.filter(pk=city.grassroots.pk).update(
        term_started_on=dt.date(2021, 5, 1), term_years=5
    )  # ended
    Union.objects.filter(pk=city.sibling.pk).update(
        term_started_on=dt.date(2021, 8, 1), term_years=5
    )  # 47 days
    Union.objects.filter(pk=city.branch.pk).update(
        term_started_on=dt.date(2024, 1, 1), term_years=5
    )  # not due
    Union.objects.filter(pk=city.other.pk).update(
        term_started_on=dt.date(2021, 1, 1), term_years=5
    )  # county B
    client.force_login(city.county_a_admin)
    html = client.get(reverse("admin:datawork_statisticspage_changelist")).content.decode()
    panel = html.split('data-testid="panel-terms"')[1].split("</section>")[0]
    assert panel.index(city.grassroots.name) < panel.index(city.sibling.name)
    rows = panel.split("<tbody>")[1]
    assert rows.count("已逾期") == 1 and rows.count("即将届满") == 1
    assert city.branch.name not in panel and city.other.name not in panel
