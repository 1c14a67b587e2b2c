from celery import shared_task

from transfers import services
from unionhub.lib import clock


@shared_task
def transfer_overdue_remind() -> int:
    """Daily: remind the staff holding overdue transfer applications (once per application, person and day)."""
    return services.transfer_overdue_remind(today=clock.today())


@shared_task
def secondment_end_remind() -> int:
    """Daily: at the end of a secondment, propose the transfer back (once per transfer)."""
    return services.secondment_end_remind(today=clock.today())
