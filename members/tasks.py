from celery import shared_task
from django.conf import settings


# Idempotent (a job already run or being run is left alone): redelivered if the worker is lost mid-run. The hard
# time limit frees the job's row lock of a hung run, so recovery can see it.
@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=settings.IMPORT_TIME_LIMIT_SECONDS)
def member_import_run(job_id: int) -> str:
    from members.imports import member_import_run as run

    return run(job_id=job_id).status


@shared_task
def import_jobs_recover() -> dict:
    from members.imports import import_jobs_recover as recover

    return recover()


@shared_task
def union_review_remind() -> int:
    from members.services_data import union_review_remind as remind

    return remind()
