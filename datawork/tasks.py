from celery import shared_task
from django.conf import settings

from datawork import export_jobs, imports, review


# Task names are kept from before the move so jobs already queued are still run.
# Idempotent (a job already run or being run is left alone): redelivered if the worker is lost mid-run. The hard
# time limit frees the job's row lock of a hung run, so recovery can see it.
@shared_task(
    name="members.tasks.member_import_run",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.IMPORT_TIME_LIMIT_SECONDS,
)
def member_import_run(job_id: int) -> str:
    return imports.member_import_run(job_id=job_id).status


# Idempotent (the job is claimed by state): acks_late and limits in CELERY_TASK_ANNOTATIONS; routed to heavy.
@shared_task(name="datawork.tasks.export_job_run")
def export_job_run(job_id: int) -> str:
    return export_jobs.export_job_run(job_id=job_id).status


@shared_task(name="datawork.tasks.export_jobs_housekeeping")
def export_jobs_housekeeping() -> dict:
    """Every ten minutes: queue again jobs left pending by a broker outage, delete the files of expired links."""
    return {"requeued": export_jobs.export_jobs_recover(), "expired": export_jobs.export_jobs_expire()}


@shared_task(name="members.tasks.import_jobs_recover")
def import_jobs_recover() -> dict:
    return imports.import_jobs_recover()


@shared_task(name="members.tasks.union_review_remind")
def union_review_remind() -> int:
    return review.union_review_remind()


@shared_task(name="datawork.tasks.prune_expired")
def prune_expired() -> dict:
    """Nightly: rows past their retention (datawork.pruning)."""
    from dataclasses import asdict

    from datawork import pruning

    return asdict(pruning.prune_expired())
