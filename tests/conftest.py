import os
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from members.models import UnionLevel
from tests.members import factories as f
from tests.wechat_server import wechat_server  # noqa: F401  (the WeChat stand-in fixture)


@pytest.fixture(autouse=True)
def _business_date_real(settings):
    settings.UNIONHUB_TODAY = None


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits (API throttles, card checks) count in the cache: no test inherits another's counts."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def today(settings):
    """Set the business date: today("2025-04-15")."""

    def set_today(iso: str):
        settings.UNIONHUB_TODAY = iso

    return set_today


@pytest.fixture
def city(db):
    """A small city: two counties with reservoirs, a grassroots union with two branches in county A,
    a sibling grassroots union in county A and one in county B, and staff at each level."""
    c = f.union(name="市总工会", level=UnionLevel.CITY, accepts_members=False)
    county_a = f.union(name="甲区总工会", level=UnionLevel.COUNTY, parent=c, accepts_members=False)
    county_b = f.union(name="乙区总工会", level=UnionLevel.COUNTY, parent=c, accepts_members=False)
    reservoir_a = f.union(name="甲区职工服务中心工会", parent=county_a, is_reservoir=True)
    reservoir_b = f.union(name="乙区职工服务中心工会", parent=county_b, is_reservoir=True)
    grassroots = f.union(name="甲厂工会", parent=county_a)
    branch = f.union(name="甲厂一分工会", level=UnionLevel.BRANCH, parent=grassroots)
    branch2 = f.union(name="甲厂二分工会", level=UnionLevel.BRANCH, parent=grassroots)
    sibling = f.union(name="乙厂工会", parent=county_a)
    other = f.union(name="丙厂工会", parent=county_b)
    ns = SimpleNamespace(
        city=c,
        county_a=county_a,
        county_b=county_b,
        reservoir_a=reservoir_a,
        reservoir_b=reservoir_b,
        grassroots=grassroots,
        branch=branch,
        branch2=branch2,
        sibling=sibling,
        other=other,
    )
    ns.city_admin = f.staff(c, admin=True, reveal=True)
    ns.county_a_admin = f.staff(county_a, admin=True)
    ns.county_b_admin = f.staff(county_b, admin=True)
    ns.grassroots_staff = f.staff(grassroots, admin=True)
    ns.branch_staff = f.staff(branch)
    ns.sibling_staff = f.staff(sibling)
    ns.reservoir_a_staff = f.staff(reservoir_a)
    ns.other_staff = f.staff(other)
    return ns


@pytest.fixture
def api():
    return APIClient()


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def api_for():
    return api_as


def postgres_only():
    return pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="needs PostgreSQL (set DATABASE_URL)",
    )
