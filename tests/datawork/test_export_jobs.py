"""Exports as jobs: written by the heavy-queue task into the private storage with progress, split into sheets,
masked unless revealed, scoped, downloaded by the requester alone within the link's lifetime, audited."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connections
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from datawork import export_jobs, exports, stats
from datawork.models import ExportJob
from unionhub.lib import clock
from unionhub.lib.errors import NotInScope
from unionhub.models import AuditEntry

HEADER_ROW = 4


def _request(actor, union, kind="roster", **kwargs) -> ExportJob:
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = export_jobs.export_job_create(actor=actor, union=union, kind=kind, **kwargs)
    job.refresh_from_db()
    return job


def _download(actor, job) -> bytes:
    _job, handle = export_jobs.export_download_open(actor=actor, token=export_jobs.export_download_token(job))
    with handle:
        return handle.read()


def _sheets(data: bytes) -> list[list[list]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return [[list(r) for r in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]


@pytest.mark.django_db
def test_a_roster_job_runs_to_the_end_and_its_requester_downloads_it(city, members_of):
    members = members_of(city.grassroots, 2) + members_of(city.branch, 1)
    job = _request(city.grassroots_staff, city.grassroots)
    assert job.status == ExportJob.Status.DONE and job.row_count == 3 and job.sheets == 1
    assert job.expires_at > clock.now() and job.stored_file.startswith("exports/")
    assert export_jobs.export_storage().exists(job.stored_file)
    progress = export_jobs.export_job_progress(job)
    assert progress["finished"] and progress["percent"] == 100 and progress["done"] == progress["total"] == 3
    [sheet] = _sheets(_download(city.grassroots_staff, job))
    assert {r[1] for r in sheet[HEADER_ROW + 1 :]} == {m.person.name for m in members}
    entries = AuditEntry.objects.filter(action__in=["export_roster", "export_download"]).order_by("pk")
    assert [(e.action, e.actor, e.detail["job"], e.detail["rows"]) for e in entries] == [
        ("export_roster", city.grassroots_staff, job.pk, 3),
        ("export_download", city.grassroots_staff, job.pk, 3),
    ]
    assert entries[0].detail["clear"] is False


@pytest.mark.django_db
def test_sheets_split_at_the_configured_number_of_rows(city, members_of, settings):
    settings.UNIONHUB_EXPORT_SHEET_ROWS = 3
    members_of(city.grassroots, 7)
    job = _request(city.grassroots_staff, city.grassroots)
    assert job.row_count == 7 and job.sheets == 3
    first, second, third = _sheets(_download(city.grassroots_staff, job))
    assert first[0] == ["会员花名册"] and len(first) == HEADER_ROW + 1 + 3
    headers = first[HEADER_ROW]
    assert second[0] == headers and third[0] == headers  # every sheet has its column headers
    numbers = [r[0] for r in first[HEADER_ROW + 1 :] + second[1:] + third[1:]]
    assert numbers == [str(n) for n in range(1, 8)]
    assert len(second) == 4 and len(third) == 2
    book = load_workbook(io.BytesIO(_download(city.grassroots_staff, job)), read_only=True)
    assert book.sheetnames == ["会员花名册", "会员花名册（2）", "会员花名册（3）"]


@pytest.mark.django_db
def test_summary_job_and_csv_format(city, members_of):
    members_of(city.grassroots, 2)
    job = _request(city.county_a_admin, city.county_a, kind="summary")
    assert job.status == ExportJob.Status.DONE and job.row_count >= 1
    assert AuditEntry.objects.filter(action="export_union_summary", detail__job=job.pk).count() == 1
    csv_job = _request(city.grassroots_staff, city.grassroots, fmt="csv")
    rows = list(csv.reader(io.StringIO(_download(city.grassroots_staff, csv_job).decode("utf-8-sig"))))
    assert len(rows) == 3 and rows[1][0] == "1" and csv_job.file_name.endswith(".csv")


@pytest.mark.django_db
def test_masked_unless_revealed_with_the_permission_and_a_second_factor(city, members_of):
    [membership] = members_of(city.grassroots, 1)
    person = membership.person
    masked = _request(city.city_admin, city.grassroots, second_factor=False)
    row = _sheets(_download(city.city_admin, masked))[0][HEADER_ROW + 1]
    assert row[3] == person.id_number_masked and row[6] == person.phone_masked
    no_perm = _request(city.grassroots_staff, city.grassroots, second_factor=True)
    assert not no_perm.clear
    assert person.id_number not in str(_sheets(_download(city.grassroots_staff, no_perm)))
    clear = _request(city.city_admin, city.grassroots, second_factor=True)
    assert clear.clear
    row = _sheets(_download(city.city_admin, clear))[0][HEADER_ROW + 1]
    assert row[3] == person.id_number and row[6] == person.phone
    details = list(
        AuditEntry.objects.filter(action="export_roster").order_by("pk").values_list("detail", flat=True)
    )
    assert [d["clear"] for d in details] == [False, False, True]
    assert all(person.id_number not in str(d) for d in details)


@pytest.mark.django_db
def test_scope_and_only_the_requester_downloads(city, members_of, client):
    members_of(city.grassroots, 1)
    with pytest.raises(NotInScope):
        export_jobs.export_job_create(actor=city.grassroots_staff, union=city.sibling, kind="roster")
    job = _request(city.grassroots_staff, city.grassroots)
    token = export_jobs.export_download_token(job)
    for other in (city.city_admin, city.sibling_staff, city.branch_staff):
        with pytest.raises(NotInScope):
            export_jobs.export_download_open(actor=other, token=token)
    with pytest.raises(NotInScope):
        export_jobs.export_download_open(actor=city.grassroots_staff, token=token + "x")
    url = reverse("admin:datawork_exportjob_download", args=[token])
    client.force_login(city.city_admin)  # sees the union, but did not ask for this file
    assert client.get(url).status_code == 404
    assert client.get(reverse("admin:datawork_exportjob_progress", args=[job.pk])).status_code == 404
    client.force_login(city.grassroots_staff)
    assert client.get(url).status_code == 200
    assert AuditEntry.objects.filter(action="export_download").count() == 1


@pytest.mark.django_db
def test_an_expired_link_answers_410(city, members_of, client):
    members_of(city.grassroots, 1)
    job = _request(city.grassroots_staff, city.grassroots)
    url = reverse("admin:datawork_exportjob_download", args=[export_jobs.export_download_token(job)])
    ExportJob.objects.filter(pk=job.pk).update(expires_at=clock.now() - timedelta(minutes=1))
    client.force_login(city.grassroots_staff)
    response = client.get(url)
    assert response.status_code == 410 and "下载链接已过期" in response.content.decode()
    page = client.get(reverse("admin:datawork_exportjob_progress", args=[job.pk])).content.decode()
    assert 'data-testid="export-download"' not in page
    assert not AuditEntry.objects.filter(action="export_download").exists()
    assert export_jobs.export_jobs_expire() == 1  # the file goes
    job.refresh_from_db()
    assert job.stored_file == ""


@pytest.mark.django_db
def test_progress_is_written_while_the_rows_are(city, members_of, monkeypatch):
    members_of(city.grassroots, 5)
    monkeypatch.setattr(exports, "CHUNK", 2)
    seen = []
    with io.BytesIO() as out:
        count, sheets = exports.roster_write(out, union=city.grassroots, clear=False, progress=seen.append)
    assert (count, sheets) == (5, 1) and seen == [2, 4]
    job = ExportJob.objects.create(requested_by=city.grassroots_staff, union=city.grassroots, kind="roster")
    updates = []
    real = export_jobs.ExportJob.objects.filter

    def spy(*args, **kwargs):
        qs = real(*args, **kwargs)
        original = qs.update

        def update(**fields):
            if set(fields) == {"done"}:
                updates.append(fields["done"])
            return original(**fields)

        qs.update = update
        return qs

    monkeypatch.setattr(export_jobs.ExportJob.objects, "filter", spy)
    export_jobs.export_job_run(job_id=job.pk)
    assert updates == [2, 4]
    job.refresh_from_db()
    assert job.done == job.total == 5


@pytest.mark.django_db
def test_the_admin_request_leads_to_the_progress_page_with_the_bar(city, members_of, client):
    members_of(city.grassroots, 1)
    client.force_login(city.grassroots_staff)
    with TestCase.captureOnCommitCallbacks(execute=False):  # not run yet: the page shows the bar
        response = client.post(
            reverse("admin:datawork_unionreview_export", args=[city.grassroots.pk, "roster"])
        )
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "admin:datawork_exportjob_progress", args=[job.pk]
    )
    page = client.get(response.url).content.decode()
    assert 'data-finished="0"' in page and "import_progress.js" in page and "排队中" in page
    assert (
        client.get(reverse("admin:datawork_exportjob_progress_json", args=[job.pk])).json()["status"]
        == "pending"
    )


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_statistics_and_exports_read_through_the_replica(city, members_of, settings):
    """The replica alias mirrors the test database: reads of the statistics and the export job go through it,
    the job's own writes stay on the primary."""
    settings.UNIONHUB_READ_REPLICA = True
    members_of(city.grassroots, 2)
    with CaptureQueriesContext(connections["replica"]) as replica:
        figures = stats.dashboard(city.grassroots, clock.today())
    assert figures["members"]["total"] == 2 and len(replica.captured_queries) > 0
    job = ExportJob.objects.create(requested_by=city.grassroots_staff, union=city.grassroots, kind="roster")
    with (
        CaptureQueriesContext(connections["replica"]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
    ):
        export_jobs.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.row_count == 2
    replica_sql = " ".join(q["sql"] for q in replica.captured_queries)
    primary_sql = " ".join(q["sql"] for q in primary.captured_queries)
    assert "members_membership" in replica_sql and "UPDATE" not in replica_sql
    assert "UPDATE" in primary_sql and "datawork_exportjob" in primary_sql


@pytest.mark.django_db
def test_a_job_whose_file_cannot_be_stored_ends_failed_and_says_so(
    city, members_of, client, tmp_path, monkeypatch
):
    from django.core.files.storage import FileSystemStorage

    members_of(city.grassroots, 1)
    full = tmp_path / "full"
    full.write_text("")  # a file where the storage's directory should be: every save fails
    monkeypatch.setattr(export_jobs, "export_storage", lambda: FileSystemStorage(location=full / "private"))
    job = _request(city.grassroots_staff, city.grassroots)
    assert job.status == ExportJob.Status.FAILED and job.stored_file == "" and job.finished_at
    assert not AuditEntry.objects.filter(action="export_roster").exists()
    client.force_login(city.grassroots_staff)
    page = client.get(reverse("admin:datawork_exportjob_progress", args=[job.pk])).content.decode()
    assert "导出出错" in page and 'data-testid="export-download"' not in page


@pytest.mark.django_db
def test_opening_an_export_link_starts_nothing_until_the_form_is_sent(city, members_of, client):
    """A link (or a page that embeds it) cannot start an export on the staff member's behalf: GET shows what
    will be exported and a form; only its POST, with the CSRF token, makes the job."""
    from django.test import Client

    members_of(city.grassroots, 1)
    url = reverse("admin:datawork_unionreview_export", args=[city.grassroots.pk, "roster"])
    client.force_login(city.grassroots_staff)
    page = client.get(url)
    assert page.status_code == 200 and not ExportJob.objects.exists()
    html = page.content.decode()
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html and city.grassroots.name in html
    assert (
        "证件号和手机号已脱敏" in html
    )  # no second factor: the roster will be masked, said before it starts
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(city.grassroots_staff)
    assert strict.post(url, {"format": "xlsx"}).status_code == 403 and not ExportJob.objects.exists()
    with TestCase.captureOnCommitCallbacks(execute=False):
        response = client.post(url, {"format": "csv"})
    job = ExportJob.objects.get()
    assert response.status_code == 302 and job.format == "csv" and job.union == city.grassroots
