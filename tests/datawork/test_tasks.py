import threading

import pytest
from django.db import connection, transaction

from datawork import services
from datawork.models import ImportJob
from datawork.tasks import member_import_run
from members.models import Membership
from tests.conftest import postgres_only
from tests.datawork.conftest import roster_row, xlsx_bytes
from tests.members import factories as f


@pytest.mark.postgres
@postgres_only()
@pytest.mark.django_db(transaction=True)
def test_a_second_delivery_skips_a_job_being_run_and_a_finished_job_is_left_alone(monkeypatch):
    monkeypatch.setattr(member_import_run, "delay", lambda job_id: None)  # deliveries are made by hand below
    union = f.union()
    staff = f.staff(union)
    job = services.import_job_create(
        union=union, actor=staff, file_name="a.xlsx", data=xlsx_bytes([roster_row(1), roster_row(2)])
    )
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        with transaction.atomic():
            ImportJob.objects.select_for_update().get(pk=job.pk)
            locked.set()
            release.wait(10)
        connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    locked.wait(10)
    assert member_import_run(job.pk) == ImportJob.Status.PENDING  # skipped, not run twice
    release.set()
    thread.join()
    assert member_import_run(job.pk) == ImportJob.Status.DONE
    assert member_import_run(job.pk) == ImportJob.Status.DONE
    assert Membership.objects.filter(union=union).count() == 2
