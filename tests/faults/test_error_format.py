"""Errors the API cannot handle answer JSON, never Django's HTML page: 503 "unavailable" when a dependency is down,
500 "server_error" otherwise. Pages keep the usual error page."""

import pytest
from django.test import Client

pytestmark = pytest.mark.urls("tests.faults.urls")


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def test_redis_unreachable_in_an_api_view_answers_503_json(client, db):
    response = client.get("/api/v1/test-redis-down/")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "unavailable" and response.json()["detail"]
    assert response["Retry-After"]


def test_a_bug_in_an_api_view_answers_500_json(client, db):
    response = client.get("/api/v1/test-bug/")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error" and response.json()["detail"]


def test_a_bug_in_a_page_keeps_the_html_page(client, db):
    response = client.get("/test-bug/")
    assert response.status_code == 500 and response["Content-Type"].startswith("text/html")


@pytest.mark.skipif("not __import__('os').environ.get('DATABASE_URL', '').startswith('postgres')")
@pytest.mark.django_db(transaction=True)
def test_the_database_connection_lost_answers_503_json(client):
    from django.db import connection

    response = client.get("/api/v1/test-database-down/")
    connection.close()  # the server ended it; the test's teardown opens a new one
    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"
