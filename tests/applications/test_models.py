"""The state machine as a table: which transition each state allows, and which role may run it."""

import pytest
from django_fsm import can_proceed, has_transition_perm

from applications import services
from applications.models import JoinApplication
from tests.applications.conftest import submit
from tests.members import factories as f

pytestmark = pytest.mark.django_db

STEPS = ["dispatch", "verify", "approve", "reject", "withdraw"]
ALLOWED = {
    "submitted_no_union": {"dispatch", "reject", "withdraw"},
    "submitted_with_union": {"approve", "reject", "withdraw"},
    "dispatched": {"verify", "reject", "withdraw"},
    "verified": {"approve", "reject", "withdraw"},
    "approved": set(),
    "rejected": set(),
    "withdrawn": set(),
}


def _in_state(city, user, state):
    if state == "submitted_with_union":
        return submit(user, union=city.grassroots)
    app = submit(user, union=city.grassroots if state in ("approved",) else None)
    if state in ("dispatched", "verified"):
        services.join_application_dispatch(application_id=app.pk, actor=city.city_admin, county=city.county_a)
    if state == "verified":
        services.join_application_verify(
            application_id=app.pk, actor=city.county_a_admin, union=city.grassroots
        )
    if state == "approved":
        services.join_application_approve(
            application_id=app.pk, actor=city.grassroots_staff, dues_mode="self_pay"
        )
    if state == "rejected":
        services.join_application_reject(application_id=app.pk, actor=city.city_admin, reason="x")
    if state == "withdrawn":
        services.join_application_withdraw(application_id=app.pk, user=user)
    return JoinApplication.objects.get(pk=app.pk)


@pytest.mark.parametrize("state", list(ALLOWED))
def test_transitions_allowed_by_state(city, applicant, state):
    app = _in_state(city, applicant, state)
    assert {step for step in STEPS if can_proceed(getattr(app, step))} == ALLOWED[state]


ROLES = {
    # state → step → the fixture roles that may run it
    "submitted_no_union": {"dispatch": {"city_admin"}, "reject": {"city_admin"}, "withdraw": {"applicant"}},
    "dispatched": {"verify": {"county_a_admin"}, "reject": {"county_a_admin"}, "withdraw": {"applicant"}},
    "verified": {
        "approve": {"grassroots_staff", "county_a_admin", "city_admin"},
        "reject": {"grassroots_staff", "county_a_admin", "city_admin"},
        "withdraw": {"applicant"},
    },
}
PEOPLE = [
    "city_admin",
    "county_a_admin",
    "county_b_admin",
    "grassroots_staff",
    "branch_staff",
    "sibling_staff",
    "other_staff",
    "applicant",
    "stranger",
]


@pytest.mark.parametrize("state", list(ROLES))
def test_transitions_allowed_by_role(city, applicant, state):
    app = _in_state(city, applicant, state)
    people = {name: getattr(city, name, None) for name in PEOPLE}
    people.update(applicant=applicant, stranger=f.person_user(name="路人"))
    for step, allowed in ROLES[state].items():
        runs = {name for name, user in people.items() if has_transition_perm(getattr(app, step), user)}
        assert runs == allowed, (state, step)
