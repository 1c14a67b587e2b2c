from celery import shared_task

from formation import services
from unionhub.lib import clock


@shared_task
def term_renewal_remind() -> int:
    """Daily: 90 and 30 days before a union's term ends, tell it and its parent (once per term and threshold)."""
    return services.term_renewal_remind(today=clock.today())


@shared_task
def union_formation_transfer_remind() -> int:
    """Daily: a union founded from a formation case whose members are not moved within 3 working days."""
    return services.union_formation_transfer_remind(today=clock.today())
