"""Error reports to Sentry (optional: only when SENTRY_DSN is set). Nothing leaves with an ID number or a mobile
number in clear: every event and breadcrumb passes the same scrub as the logs (unionhub.lib.logging.scrub),
down to the local variables of each stack frame."""

from typing import Any

from unionhub.lib.logging import scrub


def scrub_value(value: Any, depth: int = 0) -> Any:
    if depth > 20:
        return value
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {scrub_value(k, depth + 1): scrub_value(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(scrub_value(v, depth + 1) for v in value)
    return value


def before_send(event: dict, hint: dict | None = None) -> dict:
    """Messages, exception values, frame variables, request data, breadcrumbs, extra: all strings scrubbed."""
    return scrub_value(event)


def before_breadcrumb(crumb: dict, hint: dict | None = None) -> dict:
    return scrub_value(crumb)


def init(
    *,
    dsn: str | None,
    environment: str | None = None,
    release: str | None = None,
    traces_sample_rate: float = 0.0,
) -> bool:
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=True,
        traces_sample_rate=traces_sample_rate,
        before_send=before_send,
        before_send_transaction=before_send,
        before_breadcrumb=before_breadcrumb,
    )
    return True
