"""Prometheus metrics: django-prometheus's request, database and cache metrics plus the figures an operator
watches (applications overdue, the outbox backlog, payment notifications refused), read from the database at
each scrape. Served only to the addresses in UNIONHUB_METRICS_ALLOWED_CIDRS (the scraper's network); any other
client gets 404, as if the page did not exist."""

import ipaddress
import os
import threading

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from applications.models import JoinApplication
from casework import selectors as case_selectors
from dues.models import PaymentNotification
from notifications.models import OutboxMessage
from transfers.models import TransferApplication
from unionhub.lib import clock


class BusinessCollector:
    def collect(self):
        today = clock.today()
        overdue = GaugeMetricFamily(
            "unionhub_applications_overdue", "Open applications past their due date", labels=["kind"]
        )
        for kind, model in (("join", JoinApplication), ("transfer", TransferApplication)):
            overdue.add_metric([kind], model.objects.filter(case_selectors.overdue_q(today)).count())
        yield overdue

        backlog = GaugeMetricFamily(
            "unionhub_outbox_backlog", "SMS and e-mail messages waiting to be sent", labels=["channel"]
        )
        pending = OutboxMessage.objects.filter(  # written, queued or being sent: not yet delivered
            status__in=[
                OutboxMessage.Status.PENDING,
                OutboxMessage.Status.QUEUED,
                OutboxMessage.Status.SENDING,
            ]
        )
        for channel in (OutboxMessage.Channel.SMS, OutboxMessage.Channel.EMAIL):
            backlog.add_metric([channel.value], pending.filter(channel=channel).count())
        yield backlog

        failed = GaugeMetricFamily(
            "unionhub_outbox_failed", "Messages that failed for good", labels=["channel"]
        )
        for channel in (OutboxMessage.Channel.SMS, OutboxMessage.Channel.EMAIL):
            failed.add_metric(
                [channel.value],
                OutboxMessage.objects.filter(status=OutboxMessage.Status.FAILED, channel=channel).count(),
            )
        yield failed

        refused = CounterMetricFamily(
            "unionhub_payment_notifications_refused",
            "Payment notifications refused (bad signature, replay, unknown order)",
            labels=["provider"],
        )
        rows = (
            PaymentNotification.objects.filter(outcome=PaymentNotification.Outcome.REJECTED)
            .values_list("provider")
            .order_by("provider")
            .distinct()
        )
        for (provider,) in rows:
            refused.add_metric(
                [provider],
                PaymentNotification.objects.filter(
                    outcome=PaymentNotification.Outcome.REJECTED, provider=provider
                ).count(),
            )
        yield refused


_registered = False
_lock = threading.Lock()


def register() -> None:
    global _registered
    with _lock:
        if not _registered:
            REGISTRY.register(BusinessCollector())
            _registered = True


def client_allowed(remote_addr: str | None) -> bool:
    """REMOTE_ADDR only: a proxy-supplied header could be forged by anyone who reaches the proxy."""
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return False
    for cidr in settings.UNIONHUB_METRICS_ALLOWED_CIDRS:
        network = ipaddress.ip_network(cidr, strict=False)
        if address.version == network.version and address in network:
            return True
    return False


@never_cache
def metrics(request):
    if not client_allowed(request.META.get("REMOTE_ADDR")):
        raise Http404
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # several gunicorn workers: their request metrics merged from the shared directory, plus the figures
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(BusinessCollector())
    else:
        register()
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
