from celery import shared_task


@shared_task
def member_import_run(job_id: int) -> str:
    from members.imports import member_import_run as run

    return run(job_id=job_id).status


@shared_task
def union_review_remind() -> int:
    from members.services_data import union_review_remind as remind

    return remind()
