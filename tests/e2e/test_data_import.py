import pytest

from datawork import imports
from datawork.models import ImportJob
from datawork.tasks import member_import_run
from members.models import Membership
from tests.datawork.conftest import roster_row, xlsx_bytes
from tests.e2e.conftest import admin_login, screenshot
from tests.members import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _upload(page, live_server, tmp_path, rows, union, name="members.xlsx"):
    path = tmp_path / name
    path.write_bytes(xlsx_bytes(rows))
    page.goto(f"{live_server.url}/admin/datawork/importjob/")
    page.click("text=导入会员清单")
    page.select_option("#id_union", str(union.pk))
    page.set_input_files("#id_file", str(path))
    page.click("input[type=submit]")


def test_staff_uploads_a_roster_watches_the_progress_and_sees_the_result(
    live_server, desk_page, tmp_path, monkeypatch
):
    union = f.union(name="宜昌电力设备有限公司工会委员会")
    staff = f.staff(union, username="power_staff")
    page = desk_page
    admin_login(page, live_server, "power_staff", "Staff-pass-123")
    # hold the queued task back, so the page is seen while the job waits and then runs
    monkeypatch.setattr(member_import_run, "delay", lambda job_id: None)
    _upload(page, live_server, tmp_path, [roster_row(n) for n in range(1, 31)], union)
    page.wait_for_url("**/progress/")
    assert page.get_by_test_id("import-status").inner_text() == "排队中"
    assert page.get_by_test_id("import-progress").is_visible()
    screenshot(page, "import-progress-queued")
    job = ImportJob.objects.get()
    assert job.uploaded_by == staff
    imports.member_import_run(job_id=job.pk)  # what the worker does
    # the page polls the progress endpoint and reloads itself with the result
    page.get_by_test_id("import-status").filter(has_text="导入完成").wait_for(timeout=10000)
    assert "已导入 30 名会员" in page.get_by_test_id("import-result").inner_text()
    assert page.get_by_test_id("import-progress").get_attribute("value") == "100"
    assert page.get_by_test_id("import-count").inner_text() == "30 / 30"
    screenshot(page, "import-progress-done")
    assert Membership.objects.filter(union=union).count() == 30


def test_a_file_with_a_bad_row_shows_every_problem_and_imports_nothing(live_server, desk_page, tmp_path):
    union = f.union(name="伍家岗实验学校工会委员会")
    f.staff(union, username="school_staff")
    page = desk_page
    admin_login(page, live_server, "school_staff", "Staff-pass-123")
    rows = [roster_row(n) for n in range(1, 6)]
    rows[3]["学历"] = "大学"
    rows[4]["身份证号码"] = rows[0]["身份证号码"]
    _upload(page, live_server, tmp_path, rows, union)  # Celery is eager here: the job has run on upload
    page.wait_for_url("**/progress/")
    assert page.get_by_test_id("import-status").inner_text() == "校验未通过，未导入"
    assert "未导入任何数据" in page.get_by_test_id("import-result").inner_text()
    table = page.get_by_test_id("import-errors").inner_text()
    assert "学历" in table and "与第 2 行重复" in table
    screenshot(page, "import-rejected")
    assert Membership.objects.count() == 0


def test_statistics_dashboard_draws_its_charts_from_local_files(live_server, desk_page):
    county = f.union(name="西陵区总工会", level="county", accepts_members=False)
    for name, n in (("电力公司工会", 3), ("快递公司工会", 1)):
        union = f.union(name=name, parent=county)
        for _ in range(n):
            f.member(union)
    f.staff(county, username="xiling_admin")
    page = desk_page
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server.url) else None)
    admin_login(page, live_server, "xiling_admin", "Staff-pass-123")
    page.click("text=统计分析")
    assert page.get_by_test_id("stats-total").inner_text() == "4"
    page.locator("canvas[data-drawn='1']").first.wait_for()
    # members per union, new members per month and dues collected per month (no applications: no chart)
    assert page.locator("canvas[data-drawn='1']").count() == 3
    assert "电力公司工会" in page.get_by_test_id("table-members").inner_text()
    assert not external
    screenshot(page, "statistics-dashboard")
