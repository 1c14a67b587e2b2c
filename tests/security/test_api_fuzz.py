"""Schemathesis against the OpenAPI schema, in process (WSGI): no 500 and answers that match the schema.

Every operation of /api/v1/schema/ gets EXAMPLES_PER_OPERATION generated requests (valid by the schema) and
half as many invalid ones, sent with a member's token and again with a union admin's; every answer is checked.
Every operation then gets HOSTILE_PER_OPERATION generated requests made hostile (JSON nested 1,000 deep, bodies
that are not objects, NUL and lone surrogates in every string of the body, NUL in query names and values), sent
anonymously, as a member and as staff: none may answer 500."""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
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
HOSTILE_PER_OPERATION = 6
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
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        counter["examples"] += 1
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def _poisoned(value, bad: str):
    """Every string (keys too) of a generated body or query with `bad` inside it."""
    if isinstance(value, str):
        return value[:1] + bad + value[1:]
    if isinstance(value, dict):
        return {_poisoned(k, bad) if isinstance(k, str) else k: _poisoned(v, bad) for k, v in value.items()}
    if isinstance(value, list):
        return [_poisoned(v, bad) for v in value]
    return value


def _json_body(case) -> bool:
    return bool(case.media_type) and "json" in case.media_type


def _deep(case):
    if _json_body(case) or case.method.upper() in ("POST", "PUT", "PATCH"):
        case.media_type = "application/json"
        case.body = b"[" * 1000 + b"]" * 1000  # raw: sent as is
    return case


def _not_an_object(body):
    def mutate(case):
        if _json_body(case) or case.method.upper() in ("POST", "PUT", "PATCH"):
            case.media_type, case.body = "application/json", json.dumps(body).encode()
        return case

    return mutate


def _strings(bad: str):
    def mutate(case):
        if isinstance(case.body, dict | list) and _json_body(case):  # serialized here: surrogates as \\ud800
            case.body = json.dumps(_poisoned(case.body, bad)).encode()
        elif isinstance(case.body, dict) and bad == "\x00":
            case.body = _poisoned(case.body, bad)
        case.query = {**_poisoned(case.query or {}, "\x00"), "search\x00": "\x00"}
        return case

    return mutate


def _deep_object(case):
    if _json_body(case) or case.method.upper() in ("POST", "PUT", "PATCH"):
        nested = {"a": 1}
        for _level in range(70):
            nested = {"a": nested}
        case.media_type = "application/json"
        case.body = json.dumps(
            {**(case.body if isinstance(case.body, dict) else {}), "nested": nested}
        ).encode()
    return case


HOSTILE = st.sampled_from(
    [
        _deep,
        _deep_object,
        _not_an_object([None, None]),
        _not_an_object("x"),
        _not_an_object(1),
        _strings("\x00"),
        _strings("\ud800"),
    ]
)


def fuzz_hostile(operation, examples, headers, counter):
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE), mutate=HOSTILE)
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case, mutate):
        counter["examples"] += 1
        case = mutate(case)
        response = case.call(headers=headers)
        assert response.status_code < 500, (
            case.method,
            case.path,
            case.query,
            repr(case.body)[:200],
            response.status_code,
            response.text[:300],
        )

    run()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", "member", "staff"])
def test_hostile_inputs_never_answer_500(wsgi_app, city, role):
    headers = {}
    if role != "anonymous":
        user = f.member(city.branch)[0] if role == "member" else city.grassroots_staff
        if role == "staff":
            f.member(city.branch)
        headers = {"Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", wsgi_app)
    counter, failures, operations = {"examples": 0}, [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            fuzz_hostile(operation, HOSTILE_PER_OPERATION, headers, counter)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect every operation's failures
            failures.append(f"{operation.label}: {exc}")
    print(f"hostile ({role}): {operations} operations, {counter['examples']} examples")
    assert operations >= 12
    assert not failures, "\n\n".join(failures)


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
        for mode, examples in (
            (GenerationMode.POSITIVE, EXAMPLES_PER_OPERATION),
            (GenerationMode.NEGATIVE, EXAMPLES_PER_OPERATION // 2),
        ):
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
    assert {"RegisterApiInputRequest", "TokenApiInputRequest", "MeApiOutput", "TokenApiOutput"} <= set(
        components
    )
