"""GET /api/v1/stats/…: the dashboard's figures for apps, against known data, in scope only."""

import datetime as dt
from decimal import Decimal

import pytest

from applications import services as app_services
from datawork import stats
from dues import services as dues_services
from tests.conftest import api_as
from tests.datawork.test_stats import known  # noqa: F401 - the fixture
from tests.dues.conftest import deliver, seed_rates
from tests.members import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(known):  # noqa: F811
    seed_rates()
    applicant = f.person_user(name="申请人甲", born=dt.date(1995, 1, 1))
    app = app_services.join_application_submit(
        user=applicant,
        union=known.branch,
        unit_name="甲厂",
        employment_type="staff",
        hire_date=dt.date(2024, 3, 1),
        statement="",
        proof=None,
    )
    app_services.join_application_approve(
        application_id=app.pk, actor=known.branch_staff, dues_mode="self_pay"
    )
    app_services.join_application_submit(
        user=f.person_user(name="申请人乙", born=dt.date(1996, 1, 1)),
        union=known.sibling,
        unit_name="乙厂",
        employment_type="staff",
        hire_date=dt.date(2024, 3, 1),
        statement="",
        proof=None,
    )
    payer = known.branch.memberships.order_by("pk").first()
    order = dues_services.dues_payment_create(membership=payer, year=2025, through_month=4, extra_amount="0")
    deliver(order)
    dues_services.dues_sweep(today=dt.date(2025, 4, 15))
    return known, order


def test_stats_for_the_own_union_match_known_data(figures):
    city, order = figures
    response = api_as(city.county_a_admin).get("/api/v1/stats/")
    assert response.status_code == 200
    data = response.json()
    assert data["union"] == {"id": city.county_a.pk, "name": "甲区总工会"} and data["as_of"] == "2025-04-15"
    # 5 + 1 from the known city, plus the approved applicant in the branch; the retained one excluded
    assert data["members"]["total"] == 7 and data["members"]["retained"] == 1
    assert {r["name"]: r["members"] for r in data["members"]["per_union"]} == {
        "甲厂工会": 6,
        "乙厂工会": 1,
        "甲区职工服务中心工会": 0,
    }
    months = {r["month"]: r["count"] for r in data["new_members"]}
    assert len(months) == 12 and months["2025-02"] == 3 and months["2025-03"] == 3 and months["2025-04"] == 2
    apps = data["applications"]
    assert apps["total"] == 2
    assert {r["state"]: r["count"] for r in apps["by_state"]}["approved"] == 1
    assert {r["state"]: r["count"] for r in apps["by_state"]}["submitted"] == 1
    assert apps["within_3_working_days"] == {"decided": 1, "on_time": 1, "share": "100.0"}
    dues = data["dues"]
    collected = {r["month"]: Decimal(r["amount"]) for r in dues["collected_per_month"]}
    # by ledger month: the order paid March and April (joined 2025-03-05)
    assert collected["2025-03"] == collected["2025-04"] == Decimal("10.00") == order.total_amount / 2
    assert sum(collected.values()) == order.total_amount
    dashboard = stats.dashboard(city.county_a, dt.date(2025, 4, 15))["dues"]
    assert dues["paid_months"] == dashboard["collection"]["paid_months"] == order.months_count
    assert Decimal(dues["collection_rate"]) == dashboard["collection_rate"]
    assert dues["arrears"] == {
        "months_3_5": dashboard["arrears"]["3-5"],
        "months_6": dashboard["arrears"]["6"],
        "over_6": dashboard["arrears"][">6"],
    }
    assert dues["arrears_as_of"] == "2025-04-15"


def test_stats_for_a_union_below_and_scope(figures):
    city, _order = figures
    county = api_as(city.county_a_admin)
    below = county.get(f"/api/v1/stats/unions/{city.grassroots.pk}/")
    assert below.status_code == 200 and below.json()["members"]["total"] == 6
    other = api_as(city.county_b_admin).get(f"/api/v1/stats/unions/{city.county_b.pk}/").json()
    assert other["members"]["total"] == 4 and other["applications"]["total"] == 0
    # the four December joiners owe December to March: four members on the arrears list, 3–5 months
    assert other["dues"]["arrears"] == {"months_3_5": 4, "months_6": 0, "over_6": 0}
    assert other["dues"]["paid_months"] == 0 and other["dues"]["required_months"] == 16
    # outside the caller's subtree: answered like a missing union
    assert county.get(f"/api/v1/stats/unions/{city.county_b.pk}/").status_code == 404
    assert api_as(city.branch_staff).get(f"/api/v1/stats/unions/{city.grassroots.pk}/").status_code == 404
    assert county.get("/api/v1/stats/unions/999999/").status_code == 404
    # members and anonymous callers are refused
    member_user, _m = f.member(city.branch)
    assert api_as(member_user).get("/api/v1/stats/").status_code == 403
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/stats/").status_code in (401, 403)


def test_stats_api_is_in_the_openapi_schema(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/stats/" in text and "/api/v1/stats/unions/{id}/" in text
    assert "StatsOut" in text and "collection_rate" in text and "within_3_working_days" in text
