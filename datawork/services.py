"""Data work writes that start background work: a member import job is stored and queued here."""

import uuid
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext

from datawork import imports
from datawork.models import ImportJob
from datawork.tasks import member_import_run
from members import selectors
from members.models import Union, User
from unionhub.lib.errors import BusinessError, NotInScope
from unionhub.lib.queueing import enqueue_on_commit


def import_job_create(*, union: Union, actor: User, file_name: str, data: bytes) -> ImportJob:
    """Keep the upload encrypted under the private media root and queue the job (the task takes only its id)."""
    if not selectors.union_in_scope(actor, union):
        raise NotInScope()
    if not union.accepts_members:
        raise BusinessError("union_not_accepting", gettext("该工会不直接接收会员，请选择基层工会或分工会。"))
    suffix = Path(file_name).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise BusinessError("file_type", gettext("请上传 .xlsx 或 .csv 文件。"))
    if len(data) > imports.MAX_UPLOAD_BYTES:
        raise BusinessError("file_too_large", gettext("文件过大（上限 30 MB）。"))
    stored = f"{uuid.uuid4().hex}{suffix}.enc"
    imports.stored_write(stored, data)
    job = ImportJob.objects.create(
        union=union,
        uploaded_by=actor,
        file_name=file_name[:200],
        stored_file=stored,
        queued_at=timezone.now(),
    )
    enqueue_on_commit(member_import_run, job.pk)  # not queued (broker down): import_jobs_recover queues it
    return job
