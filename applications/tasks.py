from celery import shared_task

from applications import services
from unionhub.lib import clock


@shared_task
def application_overdue_remind() -> int:
    """Daily: remind the staff holding overdue applications (at most once per application, person and day)."""
    return services.join_application_overdue_remind(today=clock.today())
