import pytest

from applications.models import JoinApplication
from tests.e2e.conftest import admin_login, screenshot
from tests.members import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def member_login(page, live_server, user):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.person.phone)
    page.fill("#id_password", f.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_member_applies_staff_approves_in_admin_member_sees_approved(
    live_server, phone_page, desk_page, city
):
    member = f.person_user(name="清小极")
    page = phone_page
    member_login(page, live_server, member)
    page.click("text=申请入会")
    page.wait_for_url(f"{live_server.url}/join/")
    assert "我自愿加入中华全国总工会" in page.input_value("#id_statement")
    page.fill("input[name=q]", "一分")
    page.click("button[name=search]")
    page.get_by_label("甲厂一分工会").check()
    page.fill("#id_unit_name", "甲厂")
    page.select_option("#id_employment_type", "staff")
    page.fill("#id_hire_date", "2024-03-01")
    screenshot(page, "join-apply")
    page.click("button[name=submit]")
    assert page.get_by_test_id("application-state").inner_text() == "待审核"
    app = JoinApplication.objects.get()

    admin = desk_page
    admin_login(admin, live_server, city.branch_staff.username, "Staff-pass-123")
    admin.goto(f"{live_server.url}/admin/applications/joinapplication/?queue=mine")
    admin.click(f"a[href*='/{app.pk}/change/'] >> nth=0")
    admin.click("a[data-step=approve]")
    admin.select_option("#id_dues_mode", "self_pay")
    admin.fill("#id_comment", "经分工会研究，同意入会")
    admin.click("input[type=submit]")
    admin.wait_for_selector(".messagelist")
    assert "已完成" in admin.inner_text(".messagelist")
    screenshot(admin, "join-admin-approved")

    page.goto(f"{live_server.url}/join/{app.pk}/")
    assert page.get_by_test_id("application-state").inner_text() == "已批准"
    assert "经分工会研究，同意入会" in page.content()
    page.goto(f"{live_server.url}/")
    assert page.get_by_test_id("membership-status").inner_text() == "正常"
    screenshot(page, "join-member-approved")
