"""The project's URLs plus two API views that fail the way a real dependency does, for the error-format tests."""

import redis
from django.db import connection
from django.urls import path

from tests.faults.conftest import closed_port
from unionhub.urls import handler404, handler500, urlpatterns  # noqa: F401


def redis_down_view(request):
    redis.Redis(host="127.0.0.1", port=closed_port(), socket_connect_timeout=0.5).ping()


def bug_view(request):
    return {}["missing"]


def database_down_view(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")  # the server ends this connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


urlpatterns = [
    path("api/v1/test-redis-down/", redis_down_view),
    path("api/v1/test-bug/", bug_view),
    path("api/v1/test-database-down/", database_down_view),
    path("test-bug/", bug_view),
    *urlpatterns,
]
