"""Jobs that finish: imports left pending (worker lost, queue message lost or never sent) are queued again or
failed with the reason and the upload kept; rows are bounded before they are checked; error reports are capped."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from datawork import imports, services
from datawork.models import ImportJob
from members.models import Membership
from tests.conftest import postgres_only
from tests.datawork.conftest import csv_bytes, roster_row, xlsx_bytes
from tests.members import factories as f

LATER = dt.timedelta(minutes=31)


@pytest.mark.django_db(transaction=True)
def test_an_import_queued_while_the_broker_was_down_is_queued_again_and_done(broker_down):
    union = f.union()
    staff = f.staff(union)
    job = services.import_job_create(
        union=union, actor=staff, file_name="a.xlsx", data=xlsx_bytes([roster_row(1), roster_row(2)])
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PENDING  # the upload answered; the message could not be sent
    assert imports.import_jobs_recover() == {"requeued": 0, "failed": 0}  # not stale yet
    broker_down.conf.task_always_eager = True  # the broker is back
    assert imports.import_jobs_recover(now=timezone.now() + LATER) == {"requeued": 1, "failed": 0}
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.attempts == 1
    assert Membership.objects.filter(union=union).count() == 2


@postgres_only()
@pytest.mark.django_db(transaction=True)
def test_a_job_being_run_is_not_queued_again(monkeypatch):
    from datawork.tasks import member_import_run

    monkeypatch.setattr(member_import_run, "delay", lambda job_id: None)
    union = f.union()
    job = services.import_job_create(
        union=union, actor=f.staff(union), file_name="a.xlsx", data=xlsx_bytes([roster_row(1)])
    )
    locked, release = threading.Event(), threading.Event()

    def running_worker():  # a run holds the job's row for its whole transaction
        with transaction.atomic():
            ImportJob.objects.select_for_update().get(pk=job.pk)
            locked.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=running_worker)
    thread.start()
    locked.wait(10)
    try:
        assert imports.import_jobs_recover(now=timezone.now() + LATER) == {"requeued": 0, "failed": 0}
    finally:
        release.set()
        thread.join()
    job.refresh_from_db()
    assert job.attempts == 0


@pytest.mark.django_db(transaction=True)
def test_a_job_lost_every_time_fails_with_the_reason_and_can_be_retried(monkeypatch, settings):
    """Each queue message is lost (a worker killed mid-run, a Redis restart without persistence): after the
    allowed attempts the job fails with the reason on its page, the upload is kept, and a retry imports it."""
    from datawork.tasks import member_import_run

    lost = []
    monkeypatch.setattr(member_import_run, "delay", lambda job_id: lost.append(job_id))
    union = f.union()
    staff = f.staff(union, admin=True)
    job = services.import_job_create(
        union=union, actor=staff, file_name="a.xlsx", data=xlsx_bytes([roster_row(1), roster_row(2)])
    )
    now = timezone.now()
    for _attempt in range(settings.IMPORT_MAX_ATTEMPTS):
        now += LATER
        assert imports.import_jobs_recover(now=now) == {"requeued": 1, "failed": 0}
    now += LATER
    assert imports.import_jobs_recover(now=now) == {"requeued": 0, "failed": 1}
    assert len(lost) == 1 + settings.IMPORT_MAX_ATTEMPTS
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.report["can_retry"]
    assert (imports.upload_dir() / job.stored_file).exists()  # kept for the retry
    client = Client()
    client.force_login(staff)
    page = client.get(f"/admin/datawork/importjob/{job.pk}/progress/").content.decode()
    assert "导入处理被中断" in page and 'data-testid="import-retry"' in page
    monkeypatch.undo()  # the queue works again
    assert client.post(f"/admin/datawork/importjob/{job.pk}/retry/").status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Membership.objects.filter(union=union).count() == 2
    assert client.post(f"/admin/datawork/importjob/{job.pk}/retry/").status_code == 302  # refused: done
    assert Membership.objects.filter(union=union).count() == 2


def _run(union, data: bytes, name="a.csv") -> ImportJob:
    job = services.import_job_create(union=union, actor=f.staff(union), file_name=name, data=data)
    imports.member_import_run(job_id=job.pk)
    job.refresh_from_db()
    return job


@pytest.mark.django_db
@pytest.mark.parametrize("name, make", [("a.csv", csv_bytes), ("a.xlsx", xlsx_bytes)])
def test_a_file_past_the_row_limit_is_refused_before_its_rows_are_checked(settings, name, make):
    settings.IMPORT_MAX_ROWS = 30
    union = f.union()
    bad = [roster_row(n, 性别="?") for n in range(1, 32)]  # every row bad: checked, each would be listed
    job = _run(union, make(bad), name)
    assert job.status == ImportJob.Status.REJECTED
    assert "30" in job.report["file_error"] and job.report["errors"] == []
    assert _run(union, make([roster_row(n) for n in range(1, 31)]), name).status == ImportJob.Status.DONE


@pytest.mark.django_db
def test_the_error_report_lists_the_first_rows_in_full_then_counts(settings):
    settings.IMPORT_REPORT_FULL_ROWS = 5
    union = f.union()
    rows = [roster_row(n, 性别="?") for n in range(1, 21)] + [
        roster_row(n, 手机号码="123") for n in range(21, 25)
    ]
    job = _run(union, csv_bytes(rows))
    assert job.status == ImportJob.Status.REJECTED and job.report["error_count"] == 24
    assert len(job.report["errors"]) == 5
    report = imports.error_report_csv(job).decode("utf-8-sig").splitlines()
    assert len(report) == 1 + 5 + 1
    assert "另有 19 行有问题" in report[-1] and "性别 15 行" in report[-1] and "手机号码 4 行" in report[-1]
