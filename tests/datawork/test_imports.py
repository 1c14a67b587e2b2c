import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from datawork import imports, roster, services
from datawork.models import ImportJob
from members.models import MemberNumberCounter, Membership, MembershipEvent, Person
from members.selectors import person_get_by_id_number
from tests.datawork.conftest import csv_bytes, roster_row, run_import, xlsx_bytes
from tests.members import factories as f

pytestmark = pytest.mark.django_db


def test_template_download_has_headers_and_one_example_row_that_imports(client, city):
    client.force_login(city.grassroots_staff)
    response = client.get(reverse("admin:datawork_importjob_template"))
    assert response.status_code == 200
    data = response.content
    rows = list(load_workbook(io.BytesIO(data), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == roster.TEMPLATE_HEADERS
    assert len(rows) == 2
    job = run_import(city.grassroots, city.grassroots_staff, data)
    assert job.status == ImportJob.Status.DONE and job.created_count == 1


def test_good_file_imports_every_row_with_people_memberships_numbers_and_events(city, today):
    today("2025-04-15")
    rows = [roster_row(n) for n in range(1, 6)]
    rows[1].update({"入职日期": "2025-02-10", "入会日期": "2025-04-01", "缴费方式": "工资代扣", "性别": "男"})
    job = run_import(
        city.branch, city.branch_staff, xlsx_bytes(rows, title_rows=[["会员花名册"], ["工会名称：", "x"]])
    )
    assert job.status == ImportJob.Status.DONE, job.report
    assert job.created_count == 5 and job.total == 5 and job.done == 5
    assert Membership.objects.filter(union=city.branch, status="active").count() == 5
    person = person_get_by_id_number(rows[1]["身份证号码"])
    assert person.name == rows[1]["姓名"] and person.phone == rows[1]["手机号码"]
    assert (
        person.education == "bachelor"
        and person.household_type == "urban"
        and person.employment_type == "staff"
    )
    membership = person.memberships.get()
    assert membership.dues_mode == "payroll" and membership.joined_on == dt.date(2025, 4, 1)
    assert membership.dues_start == dt.date(2025, 2, 1)  # hired in the join year: from the hire month
    other = person_get_by_id_number(rows[0]["身份证号码"]).memberships.get()
    assert other.dues_start == dt.date(2016, 1, 1)  # hired before the join year: from January
    assert (
        MembershipEvent.objects.filter(kind="join", to_union=city.branch, actor=city.branch_staff).count()
        == 5
    )
    numbers = sorted(Membership.objects.values_list("member_no", flat=True))
    assert numbers == ["20160000001", "20160000002", "20160000003", "20160000004", "20250000001"]
    assert MemberNumberCounter.objects.get(year=2016).last == 4
    assert not list((imports.upload_dir()).glob(job.stored_file))  # the encrypted upload is gone


def test_csv_file_imports_too(city):
    job = run_import(
        city.grassroots, city.grassroots_staff, csv_bytes([roster_row(1), roster_row(2)]), "a.csv"
    )
    assert job.status == ImportJob.Status.DONE and job.created_count == 2


def test_file_with_one_bad_row_imports_nothing_and_reports_the_row(city):
    rows = [roster_row(n) for n in range(1, 5)]
    bad = rows[2]["身份证号码"]
    rows[2]["身份证号码"] = bad[:-1] + ("0" if bad[-1] != "0" else "1")
    job = run_import(city.grassroots, city.grassroots_staff, xlsx_bytes(rows))
    assert job.status == ImportJob.Status.REJECTED
    assert Person.objects.count() == 0 and Membership.objects.count() == 0
    assert job.report["error_count"] == 1
    [error] = job.report["errors"]
    assert error["row"] == 4 and error["name"] == rows[2]["姓名"]
    assert "校验位" in error["errors"][0]
    assert bad not in str(job.report)


def test_every_kind_of_bad_row_is_reported_with_its_reason(city, today):
    today("2025-04-15")
    rows = [
        roster_row(1, male=False, 性别="男"),
        roster_row(2, 学历="大学"),
        roster_row(3, 户籍类型="外星"),
        roster_row(4, phone="12345"),
        roster_row(5, 入会日期="2025/13/01"),
        roster_row(6, 入会日期="2026-01-01"),
        roster_row(7, 就业状况="退休"),
        roster_row(8, 姓名=""),
        roster_row(9),
    ]
    job = run_import(city.grassroots, city.grassroots_staff, xlsx_bytes(rows))
    assert job.status == ImportJob.Status.REJECTED
    reasons = {e["row"]: "；".join(e["errors"]) for e in job.report["errors"]}
    assert set(reasons) == {2, 3, 4, 5, 6, 7, 8, 9}
    assert "性别与身份证号码不一致" in reasons[2]
    assert "学历" in reasons[3] and "大学本科" in reasons[3]
    assert "户籍类型" in reasons[4]
    assert "手机号码" in reasons[5]
    assert "日期格式" in reasons[6]
    assert "不能晚于今天" in reasons[7]
    assert "就业状况" in reasons[8]
    assert "姓名：必填" in reasons[9]
    assert Person.objects.count() == 0


def test_duplicate_id_numbers_and_phones_within_the_file_are_refused(city):
    rows = [roster_row(1), roster_row(2), roster_row(3)]
    rows[2]["身份证号码"] = rows[0]["身份证号码"].lower()
    rows[1]["手机号码"] = rows[0]["手机号码"]
    job = run_import(city.grassroots, city.grassroots_staff, xlsx_bytes(rows))
    assert job.status == ImportJob.Status.REJECTED
    reasons = {e["row"]: "；".join(e["errors"]) for e in job.report["errors"]}
    assert "与第 2 行重复" in reasons[4] and "身份证号码" in reasons[4]
    assert "手机号码：与第 2 行重复" in reasons[3]
    assert Person.objects.count() == 0


def test_duplicate_against_the_database_member_refused_registered_person_linked(city):
    _user, existing = f.member(city.sibling)
    registered = f.person_user(name="李四").person
    rows = [
        roster_row(1),
        roster_row(2, id_number=existing.person.id_number, name=existing.person.name),
        roster_row(3, phone=existing.person.phone),
    ]
    job = run_import(city.grassroots, city.grassroots_staff, xlsx_bytes(rows))
    assert job.status == ImportJob.Status.REJECTED
    reasons = {e["row"]: "；".join(e["errors"]) for e in job.report["errors"]}
    assert set(reasons) == {3, 4}
    assert "已是工会会员" in reasons[3]
    assert "手机号码：已被系统中其他人使用" in reasons[4]
    # a registered person who is not yet a member joins through the import (same person, no second record)
    job = run_import(
        city.grassroots,
        city.grassroots_staff,
        xlsx_bytes(
            [
                roster_row(1),
                roster_row(5, id_number=registered.id_number, name="李四", phone=registered.phone),
            ]
        ),
    )
    assert job.status == ImportJob.Status.DONE, job.report
    assert registered.memberships.get().union == city.grassroots
    assert job.report["linked_existing"] == 1
    wrong_name = run_import(
        city.grassroots,
        city.grassroots_staff,
        xlsx_bytes([roster_row(6, id_number=f.person_user(name="王五").person.id_number, name="王六")]),
    )
    assert "姓名" in wrong_name.report["errors"][0]["errors"][0]


def test_missing_columns_and_wrong_union_are_refused(city):
    job = run_import(
        city.grassroots,
        city.grassroots_staff,
        xlsx_bytes([roster_row(1)], headers=["序号", "姓名", "身份证号码"]),
    )
    assert job.status == ImportJob.Status.REJECTED and "缺少列" in job.report["file_error"]
    from unionhub.lib.errors import BusinessError, NotInScope

    with pytest.raises(NotInScope):
        services.import_job_create(
            union=city.sibling, actor=city.grassroots_staff, file_name="a.xlsx", data=b"x"
        )
    with pytest.raises(BusinessError):
        services.import_job_create(
            union=city.county_a, actor=city.county_a_admin, file_name="a.xlsx", data=b"x"
        )


def test_finished_job_is_not_run_twice(city):
    job = run_import(city.grassroots, city.grassroots_staff, xlsx_bytes([roster_row(1)]))
    again = imports.member_import_run(job_id=job.pk)
    assert again.status == ImportJob.Status.DONE and Membership.objects.count() == 1


def test_admin_upload_queues_the_job_and_the_progress_endpoint_reports_it(
    client, city, django_capture_on_commit_callbacks
):
    client.force_login(city.grassroots_staff)
    page = client.get(reverse("admin:datawork_importjob_upload"))
    assert page.status_code == 200
    upload = io.BytesIO(xlsx_bytes([roster_row(1), roster_row(2)]))
    upload.name = "名单.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:datawork_importjob_upload"), {"union": city.branch.pk, "file": upload}
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "admin:datawork_importjob_progress", args=[job.pk]
    )
    data = client.get(reverse("admin:datawork_importjob_progress_json", args=[job.pk])).json()
    assert data["status"] == "done" and data["percent"] == 100 and data["created_count"] == 2
    page = client.get(response.url)
    assert "已导入 2 名会员" in page.content.decode()
    # another union's staff cannot see the job
    client.force_login(city.sibling_staff)
    assert client.get(reverse("admin:datawork_importjob_progress_json", args=[job.pk])).status_code == 404


def test_error_report_downloads_as_csv_without_id_numbers(client, city):
    rows = [roster_row(1, 学历="幼儿园")]
    job = run_import(city.grassroots, city.grassroots_staff, xlsx_bytes(rows))
    client.force_login(city.grassroots_staff)
    text = client.get(reverse("admin:datawork_importjob_report", args=[job.pk])).content.decode("utf-8-sig")
    assert "2,会员1,学历" in text and rows[0]["身份证号码"] not in text


def test_page_keeps_the_first_bad_rows_and_the_download_lists_every_one(client, city, monkeypatch):
    monkeypatch.setattr(imports, "REPORT_SHOWN", 2)
    rows = [roster_row(n, 户籍类型="海外") for n in range(1, 6)]
    job = run_import(city.grassroots, city.grassroots_staff, xlsx_bytes(rows))
    assert job.report["error_count"] == 5 and len(job.report["errors"]) == 2
    client.force_login(city.grassroots_staff)
    page = client.get(reverse("admin:datawork_importjob_progress", args=[job.pk])).content.decode()
    assert "另有 3 行" in page
    text = client.get(reverse("admin:datawork_importjob_report", args=[job.pk])).content.decode("utf-8-sig")
    assert [line.split(",")[0] for line in text.splitlines()[1:]] == ["2", "3", "4", "5", "6"]
    assert all(r["身份证号码"] not in text for r in rows)


def test_a_clash_found_only_while_writing_rolls_everything_back(city, monkeypatch):
    """Someone joins between the checks and the writing: the whole file is refused, nothing is half imported."""
    rows = [roster_row(n) for n in range(1, 2500)]  # more than one write batch
    _user, existing = f.member(city.sibling)
    rows[-1].update({"身份证号码": existing.person.id_number, "姓名": existing.person.name, "手机号码": ""})
    monkeypatch.setattr(imports, "_check_against_database", lambda good: ({}, {}))
    counter_before = list(MemberNumberCounter.objects.values_list("year", "last"))
    job = run_import(city.grassroots, city.grassroots_staff, xlsx_bytes(rows))
    assert job.status == ImportJob.Status.FAILED and "未导入任何数据" in job.report["file_error"]
    assert Membership.objects.count() == 1 and Person.objects.count() == 1
    assert list(MemberNumberCounter.objects.values_list("year", "last")) == counter_before
