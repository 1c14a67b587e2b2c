from celery import shared_task

from datawork import imports, review


# Task names are kept from before the move so jobs already queued are still run.
@shared_task(name="members.tasks.member_import_run")
def member_import_run(job_id: int) -> str:
    return imports.member_import_run(job_id=job_id).status


@shared_task(name="members.tasks.union_review_remind")
def union_review_remind() -> int:
    return review.union_review_remind()


@shared_task(name="datawork.tasks.prune_expired")
def prune_expired() -> dict:
    """Nightly: rows past their retention (datawork.pruning)."""
    from dataclasses import asdict

    from datawork import pruning

    return asdict(pruning.prune_expired())
