import pytest
from django.db import connection
from health_check.exceptions import ServiceUnavailable

from unionhub.healthchecks import PendingMigrations

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.PRIVATE_MEDIA_ROOT.mkdir()


def test_liveness_answers_without_asking_anything(client):
    response = client.get("/health/live/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert {"no-cache", "no-store"} & {d.strip() for d in response["Cache-Control"].split(",")}


def test_readiness_checks_database_cache_storage_and_migrations(client):
    response = client.get("/health/ready/?format=json")
    assert response.status_code == 200
    body = response.json()
    names = " ".join(body)
    for check in ("Database", "Cache", "Broker", "PrivateFiles", "PendingMigrations"):
        assert check in names
    assert set(body.values()) == {"OK"}


def test_the_api_health_contract_is_unchanged(client):
    response = client.get("/api/v1/health/")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readiness_fails_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/health/ready/?format=json")
    assert response.status_code == 500
    broker = next(value for key, value in response.json().items() if key.startswith("Broker"))
    assert "unreachable" in broker


def test_readiness_fails_when_the_private_files_directory_is_not_writable(client, settings, tmp_path):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the directory should be")
    settings.PRIVATE_MEDIA_ROOT = blocked
    assert client.get("/health/ready/?format=json").status_code == 500


def test_pending_migration_is_reported():
    PendingMigrations().run()  # the test database is fully migrated
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE id = (SELECT max(id) FROM django_migrations WHERE app = 'members')"
        )
    with pytest.raises(ServiceUnavailable, match="1 migration"):
        PendingMigrations().run()


def test_readiness_passes_with_a_reachable_broker(client, settings):
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    response = client.get("/health/ready/?format=json")
    assert response.status_code == 200
    assert next(value for key, value in response.json().items() if key.startswith("Broker")) == "OK"
