"""Exports as jobs: the roster and the union summary are written by a task in the heavy queue into the private
storage, with a progress bar, and downloaded by their requester alone through an expiring signed link.

Scope and the clear/masked choice are decided when the export is requested (the reveal needs
`members.reveal_person` and a second factor passed in that session, exactly as before); the scope is checked again
at download. Every export writes its audit row when the file is written (who, what, how many rows, whether in
clear), and every download one more; never the data itself."""

import logging
import tempfile
import uuid
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.core import signing
from django.core.files import File
from django.core.files.storage import FileSystemStorage, InvalidStorageError, storages

from datawork import exports
from datawork.models import ExportJob
from members import selectors
from members.models import Membership, Union, User
from unionhub.audit import audit_record
from unionhub.dbrouters import replica_alias
from unionhub.lib import clock
from unionhub.lib.errors import NotInScope
from unionhub.lib.queueing import enqueue_on_commit

log = logging.getLogger(__name__)

SALT = "datawork.export-download"
RUN_TASK = "datawork.tasks.export_job_run"  # looked up by name: the tasks module imports this one
AUDIT_ACTIONS = {ExportJob.Kind.ROSTER: "export_roster", ExportJob.Kind.SUMMARY: "export_union_summary"}


class ExportLinkExpired(Exception):
    """The signed link or the file has expired (410)."""


def export_storage():
    """The private storage (alias `private` when configured, e.g. S3), else the private files directory."""
    try:
        return storages["private"]
    except InvalidStorageError:
        return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT)


def export_job_create(
    *, actor: User, union: Union, kind: str, second_factor: bool = False, fmt: str = "xlsx"
) -> ExportJob:
    """Record the request and queue the job (the task takes only its id)."""
    if not selectors.union_in_scope(actor, union):
        raise NotInScope()
    if kind not in ExportJob.Kind.values or fmt not in ExportJob.Format.values:
        raise ValueError(f"unknown export {kind!r} as {fmt!r}")  # the views offer only these
    job = ExportJob.objects.create(
        requested_by=actor,
        union=union,
        kind=kind,
        format=fmt,
        clear=kind == ExportJob.Kind.ROSTER and exports.roster_clear(actor, second_factor),
        filters={"subtree": True},
    )
    enqueue_on_commit(current_app.tasks[RUN_TASK], job.pk)  # broker down: export_jobs_recover queues it
    return job


def _claim(job_id: int) -> bool:
    """Pending → running; a job left running past the heavy time limit (lost worker) may be taken again."""
    now = clock.now()
    stale = now - timedelta(
        seconds=settings.CELERY_TASK_ANNOTATIONS["datawork.tasks.export_job_run"]["time_limit"]
    )
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.PENDING).update(
        status=ExportJob.Status.RUNNING, started_at=now
    )
    if not claimed:
        claimed = ExportJob.objects.filter(
            pk=job_id, status=ExportJob.Status.RUNNING, started_at__lt=stale
        ).update(started_at=now)
    return bool(claimed)


def export_job_run(*, job_id: int) -> ExportJob:
    """Write the job's file. Idempotent: a job finished or being written is left alone."""
    if not _claim(job_id):
        return ExportJob.objects.get(pk=job_id)
    job = ExportJob.objects.select_related("union", "requested_by").get(pk=job_id)
    using = replica_alias()
    union = job.union
    if job.kind == ExportJob.Kind.ROSTER:
        total = (
            Membership.objects.using(using)
            .filter(union__path__startswith=union.path, status__in=exports.OPEN)
            .count()
        )
    else:
        total = exports.summary_unions(union).using(using).count()
    ExportJob.objects.filter(pk=job.pk).update(total=total, done=0)

    def progress(done: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done=done)

    try:
        with tempfile.TemporaryFile() as out:
            write = exports.roster_write if job.kind == ExportJob.Kind.ROSTER else exports.summary_write
            options = {"clear": job.clear} if job.kind == ExportJob.Kind.ROSTER else {}
            count, sheets = write(out, union=union, fmt=job.format, progress=progress, using=using, **options)
            out.seek(0)
            stored = export_storage().save(f"exports/{uuid.uuid4().hex}.{job.format}", File(out))
    except Exception as exc:
        log.exception("export job %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, error=type(exc).__name__[:200], finished_at=clock.now()
        )
        return ExportJob.objects.get(pk=job.pk)  # its page says so; the requester exports again
    now = clock.now()
    prefix = "roster" if job.kind == ExportJob.Kind.ROSTER else "union-summary"
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        done=count,
        total=max(total, count),
        row_count=count,
        sheets=sheets,
        stored_file=stored,
        file_name=f"{prefix}-{union.code}-{clock.today():%Y%m%d}.{job.format}",
        finished_at=now,
        expires_at=now + timedelta(hours=settings.UNIONHUB_EXPORT_LINK_HOURS),
    )
    detail = {"rows": count, "format": job.format, "job": job.pk, "sheets": sheets}
    if job.kind == ExportJob.Kind.ROSTER:
        detail["clear"] = job.clear
    audit_record(actor=job.requested_by, action=AUDIT_ACTIONS[job.kind], obj=union, **detail)
    job.refresh_from_db()
    return job


def export_job_progress(job: ExportJob) -> dict:
    """What the progress bar shows (the same shape as the import's)."""
    finished = job.is_finished
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(ExportJob.Status(job.status).label),
        "finished": finished,
        "total": job.total,
        "done": job.done,
        "percent": int(job.done * 100 / job.total) if job.total else (100 if finished else 0),
        "row_count": job.row_count,
        "sheets": job.sheets,
    }


def export_download_token(job: ExportJob) -> str:
    return signing.dumps({"j": job.pk, "u": job.requested_by_id}, salt=SALT, compress=True)


def export_download_open(*, actor: User, token: str) -> tuple[ExportJob, File]:
    """The file of a finished job for its requester, still within scope: NotInScope (404) for a bad token,
    another user or a union out of scope; ExportLinkExpired (410) past the link's lifetime. Audited."""
    max_age = settings.UNIONHUB_EXPORT_LINK_HOURS * 3600
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ExportLinkExpired() from exc
    except signing.BadSignature as exc:
        raise NotInScope() from exc
    job = ExportJob.objects.select_related("union").filter(pk=data.get("j")).first()
    if job is None or data.get("u") != actor.pk or job.requested_by_id != actor.pk:
        raise NotInScope()
    if not selectors.union_in_scope(actor, job.union):
        raise NotInScope()
    if job.status != ExportJob.Status.DONE or not job.stored_file:
        raise NotInScope()
    if job.expires_at is None or job.expires_at <= clock.now():
        raise ExportLinkExpired()
    handle = export_storage().open(job.stored_file, "rb")
    audit_record(
        actor=actor, action="export_download", obj=job.union, job=job.pk, kind=job.kind, rows=job.row_count
    )
    return job, handle


def export_jobs_expire() -> int:
    """Delete the files of jobs whose link has expired (hourly)."""
    storage = export_storage()
    expired = ExportJob.objects.filter(expires_at__lte=clock.now()).exclude(stored_file="")
    count = 0
    for job in expired.only("pk", "stored_file"):
        storage.delete(job.stored_file)
        ExportJob.objects.filter(pk=job.pk).update(stored_file="")
        count += 1
    return count


def export_jobs_recover() -> int:
    """Queue again the jobs still pending after a broker outage (older than a minute)."""
    ids = list(
        ExportJob.objects.filter(
            status=ExportJob.Status.PENDING, created_at__lt=clock.now() - timedelta(minutes=1)
        ).values_list("pk", flat=True)[:100]
    )
    for pk in ids:
        current_app.tasks[RUN_TASK].delay(pk)
    return len(ids)
