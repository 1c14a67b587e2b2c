"""Helpers for the data-work tests: building roster files and running an import to the end."""

import csv
import datetime as dt
import io

import pytest
from django.test import TestCase
from openpyxl import Workbook, load_workbook

from datawork import imports, roster, services
from datawork.models import ImportJob
from tests.members import factories as f
from unionhub.lib import idnumber

HEADERS = roster.TEMPLATE_HEADERS


def roster_row(n: int, *, name=None, male=True, id_number=None, phone=None, **overrides) -> dict:
    born = dt.date(1980 + n % 20, 1 + n % 12, 1 + n % 28)
    row = {
        "序号": str(n),
        "姓名": name or f"会员{n}",
        "性别": "男" if male else "女",
        "身份证号码": id_number or idnumber.make("420502", born, (n * 2 + (1 if male else 0)) % 1000),
        "国籍": "中国",
        "学历": "大学本科",
        "手机号码": phone if phone is not None else f"139{n:08d}",
        "户籍类型": "城镇",
        "所属单位": "宜昌电力设备有限公司",
        "就业状况": "在编/合同",
        "担任工会职务": "",
        "入职日期": "2015-07-01",
        "入会日期": "2016-09-01",
        "缴费方式": "自行缴费",
    }
    row.update(overrides)
    return row


def xlsx_bytes(rows: list[dict], headers=HEADERS, title_rows=()) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for line in title_rows:
        sheet.append(list(line))
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: list[dict], headers=HEADERS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return out.getvalue().encode("utf-8-sig")


def run_import(union, actor, data: bytes, name="members.xlsx") -> ImportJob:
    """Create the job and run it (the on-commit queueing is not relied on here)."""
    job = services.import_job_create(union=union, actor=actor, file_name=name, data=data)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the task's own after-commit work
        imports.member_import_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def sheet_rows(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


@pytest.fixture
def members_of():
    """Make n members of a union through the real services."""

    def make(union, n=1, **kwargs):
        return [f.member(union, **kwargs)[1] for _ in range(n)]

    return make


def admin_export(client, url: str) -> bytes:
    """Request an export in the admin (its form, then eager: the job runs at once), follow to its page and
    download the file."""
    import re

    from django.test import TestCase

    form = client.get(url)
    assert form.status_code == 200 and 'data-testid="export-start"' in form.content.decode(), form.status_code
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, {"format": "csv" if "format=csv" in url else "xlsx"})
    assert response.status_code == 302, response.status_code
    page = client.get(response.url)
    assert page.status_code == 200
    link = re.search(r'data-testid="export-download" href="([^"]+)"', page.content.decode())
    assert link, "no download link on the job page"
    download = client.get(link.group(1))
    assert download.status_code == 200
    return b"".join(download.streaming_content)
