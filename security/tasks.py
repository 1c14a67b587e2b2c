from celery import shared_task

from security import services, sms_codes
from security.sms_codes import sms_code_deliver_task  # noqa: F401  (registered for the worker)
from security.staff_reset import staff_password_reset_mail_task  # noqa: F401  (registered for the worker)
from unionhub.lib import clock


@shared_task
def person_anonymise_expired() -> int:
    """Yearly: anonymise people whose membership ended more than UNIONHUB_RETENTION_YEARS years ago."""
    return len(services.person_anonymise_expired(today=clock.today()))


@shared_task
def sms_codes_purge() -> int:
    """Daily: one-time codes older than two days are deleted."""
    return sms_codes.sms_codes_purge()
