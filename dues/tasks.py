"""Thin Celery tasks of the dues ledger: each calls one service."""

from celery import shared_task

from dues import services
from dues.services.arrears import dues_sweep_check as check


# Restartable: a run lost with its worker is redelivered and resumed from its record (dues.models.SweepRun).
@shared_task(acks_late=True, reject_on_worker_lost=True)
def dues_sweep() -> dict:
    return services.dues_sweep()


@shared_task
def dues_sweep_check() -> dict:

    return check()


@shared_task
def payment_reconcile() -> dict:
    return services.payment_reconcile()
