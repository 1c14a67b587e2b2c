"""Thin Celery tasks of the dues ledger: each calls one service."""

from celery import shared_task

from dues import services


@shared_task
def dues_sweep() -> dict:
    return services.dues_sweep()


@shared_task
def payment_reconcile() -> dict:
    return services.payment_reconcile()
