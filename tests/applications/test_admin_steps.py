"""The dispatch and verify pages show the applicant's unit, region and hire date and suggest unions by keyword;
the breadcrumbs keep the application; the list shows the columns each role needs."""

import datetime as dt

import pytest

from applications import services
from casework import selectors
from members.models import EmployerUnit
from tests.applications.conftest import logged_in, submit
from tests.members import factories as f

pytestmark = pytest.mark.django_db

LIST = "/admin/applications/joinapplication/"


@pytest.fixture
def energy(city):
    """A union of 宜昌能源有限公司 in county A, with its leader and phone."""
    employer = EmployerUnit.objects.create(name="宜昌能源有限公司", county=city.county_a)
    union = f.union(name="宜昌能源工会", parent=city.county_a)
    union.employer, union.leader_name, union.phone = employer, "王主席", "0717-6000001"
    union.save()
    return union


def test_unit_keyword_drops_the_legal_form():
    assert selectors.unit_keyword("宜昌能源有限公司") == "宜昌能源"
    assert selectors.unit_keyword("甲厂") == "甲厂"
    assert selectors.unit_keyword("宜昌市西陵区长江电力设备有限责任公司") == "长江电力设备"


def test_dispatch_page_shows_unit_region_hire_date_and_matching_unions(city, applicant, energy):
    app = submit(applicant, unit_name="宜昌能源有限公司", hire_date=dt.date(2024, 3, 1))
    page = logged_in(city.city_admin).get(f"{LIST}{app.pk}/step/dispatch/").content.decode()
    facts = page.split('data-testid="step-applicant"')[1].split("</dl>")[0]
    assert "宜昌能源有限公司" in facts and "2024-03-01" in facts and city.county_a.name in facts
    suggestions = page.split('data-testid="step-suggestions"')[1].split("</section>")[0]
    assert "宜昌能源工会" in suggestions and "王主席" in suggestions and "0717-6000001" in suggestions
    assert 'value="宜昌能源"' in suggestions
    assert "甲厂工会" not in suggestions
    assert f'href="{LIST}{app.pk}/change/" data-testid="crumb-application"' in page


def test_staff_search_another_keyword(city, applicant, energy):
    app = submit(applicant, unit_name="宜昌能源有限公司")
    page = logged_in(city.city_admin).get(f"{LIST}{app.pk}/step/dispatch/", {"q": "甲厂"}).content.decode()
    suggestions = page.split('data-testid="step-suggestions"')[1].split("</section>")[0]
    assert "甲厂工会" in suggestions and "宜昌能源工会" not in suggestions


def test_verify_page_suggests_only_unions_of_the_dispatched_county(city, applicant, energy):
    f.union(name="宜昌能源二厂工会", parent=city.county_b)
    app = submit(applicant, unit_name="宜昌能源有限公司")
    services.join_application_dispatch(application_id=app.pk, actor=city.city_admin, county=city.county_a)
    page = logged_in(city.county_a_admin).get(f"{LIST}{app.pk}/step/verify/").content.decode()
    suggestions = page.split('data-testid="step-suggestions"')[1].split("</section>")[0]
    assert "宜昌能源工会" in suggestions and "宜昌能源二厂工会" not in suggestions


def test_step_buttons_are_marked_as_primary_actions(city, applicant):
    app = submit(applicant, union=city.branch)
    page = logged_in(city.branch_staff).get(f"{LIST}{app.pk}/change/").content.decode()
    assert 'class="app-step app-step-approve"' in page and 'class="app-step app-step-reject"' in page


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("city_admin", ["field-handled_by"], ["field-id_masked"]),
        ("county_a_admin", ["field-handled_by"], ["field-id_masked"]),
        ("grassroots_staff", ["field-id_masked", "field-handled_by"], []),
        ("branch_staff", ["field-id_masked"], ["field-handled_by"]),
    ],
)
def test_list_columns_per_role(city, applicant, role, shown, hidden):
    app = submit(applicant, union=city.branch)
    page = logged_in(getattr(city, role)).get(LIST).content.decode()
    assert f"/{app.pk}/change/" in page
    for column in [
        "field-unit",
        "field-state_badge",
        "field-due_marked",
        "field-flag_list",
        "field-submitted",
        *shown,
    ]:
        assert column in page, column
    for column in hidden:
        assert column not in page, column
