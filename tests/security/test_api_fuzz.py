"""Schemathesis against the OpenAPI schema, in process (WSGI): no 500 and answers that match the schema.

Every operation of /api/v1/schema/ gets EXAMPLES_PER_OPERATION generated requests (valid by the schema) and
half as many invalid ones, sent with a member's token and again with a union admin's; every answer is checked."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.members import factories as f

EXAMPLES_PER_OPERATION = 20
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


@pytest.fixture
def wsgi_app(db):
    # The WSGI handler closes the database connection after each request (as in production); inside a test
    # transaction it must stay open, as Django's own test client arranges.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def fuzz(operation, mode, examples, headers, counter):
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        counter["examples"] += 1
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["member", "staff"])
def test_api_answers_match_the_schema_and_never_fail(wsgi_app, city, role):
    if role == "member":
        user, _membership = f.member(city.branch)
    else:  # a grassroots union admin with members below: staff endpoints get past their permission checks
        user = city.grassroots_staff
        for union in (city.grassroots, city.branch, city.branch2):
            f.member(union)
    token, _ = Token.objects.get_or_create(user=user)
    headers = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", wsgi_app)
    counter, failures, operations = {"examples": 0}, [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode, examples in ((GenerationMode.POSITIVE, EXAMPLES_PER_OPERATION),
                               (GenerationMode.NEGATIVE, EXAMPLES_PER_OPERATION // 2)):
            try:
                fuzz(operation, mode, examples, headers, counter)
            except Unsatisfiable:
                assert mode == GenerationMode.NEGATIVE  # nothing to get wrong (no parameters, no body)
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect every operation's failures
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    print(f"schemathesis ({role}): {operations} operations, {counter['examples']} examples")
    assert operations >= 12
    assert not failures, "\n\n".join(failures)


@pytest.mark.django_db
def test_unknown_api_urls_answer_json_404(client):
    response = client.get("/api/v1/memberships/-1/retain/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")


def test_schema_components_are_named_after_their_view():
    from drf_spectacular.generators import SchemaGenerator

    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    assert {"RegisterApiInputRequest", "TokenApiInputRequest", "MeApiOutput", "TokenApiOutput"} <= set(components)
