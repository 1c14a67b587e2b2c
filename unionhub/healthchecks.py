"""Liveness and readiness (django-health-check).

Liveness answers as long as the process serves requests: an orchestrator restarts a web process that fails it.
Readiness checks what a request needs: the database, the cache, the broker (when Celery has one), the private
files directory, and that no migration is pending. A load balancer takes a process out of rotation while it fails.
"""

import dataclasses

from django.conf import settings
from django.core.files.storage import storages
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from health_check.base import HealthCheck
from health_check.checks import Storage
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


@dataclasses.dataclass
class PendingMigrations(HealthCheck):
    """Unhealthy while the database is behind the code (a deploy must migrate before serving)."""

    alias: str = DEFAULT_DB_ALIAS

    def run(self):
        connection = connections[self.alias]
        with connection.temporary_connection():
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            raise ServiceUnavailable(f"{len(plan)} migration(s) pending")


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection (skipped when tasks run eagerly, without a broker)."""

    def run(self):
        url = settings.CELERY_BROKER_URL
        if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False) or url.startswith("memory://"):
            return
        from kombu import Connection

        try:
            with Connection(url, connect_timeout=3) as conn:
                conn.ensure_connection(max_retries=1)
        except Exception as exc:
            raise ServiceUnavailable("broker unreachable") from exc


@dataclasses.dataclass
class PrivateFiles(Storage):
    """Proofs and generated documents can be written, read and deleted in the private files directory."""

    alias: str = "private"

    @property
    def storage(self):
        return storages[self.alias]  # the local directory, or the S3 bucket when one is configured


@never_cache
def live(request):
    """The process is up and serving; nothing outside it is asked."""
    return JsonResponse({"status": "ok"})


class ReadyView(HealthCheckView):
    checks = (
        "health_check.checks.Database",
        "health_check.checks.Cache",
        Broker,
        PrivateFiles,
        PendingMigrations,
    )
