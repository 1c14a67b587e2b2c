import pytest

from members.models import Membership
from tests.e2e.conftest import admin_login, screenshot
from tests.e2e.test_join import member_login
from tests.members import factories as f
from transfers.models import TransferApplication

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_member_asks_for_transfer_staff_approves_in_admin(live_server, phone_page, desk_page, city):
    user, membership = f.member(city.branch, name="转小会")
    page = phone_page
    member_login(page, live_server, user)
    page.click("text=申请转会")
    page.fill("input[name=q]", "乙厂")
    page.click("button[name=search]")
    page.get_by_label("乙厂工会").check()
    page.fill("#id_unit_name", "乙厂")
    page.fill("#id_reason", "工作调动")
    page.click("button[name=submit]")
    assert page.get_by_test_id("transfer-state").inner_text() == "待审核"
    screenshot(page, "transfer-submitted")
    app = TransferApplication.objects.get()

    admin = desk_page
    admin_login(admin, live_server, city.sibling_staff.username, "Staff-pass-123")
    admin.goto(f"{live_server.url}/admin/transfers/transferapplication/?queue=mine")
    admin.click(f"a[href*='/{app.pk}/change/'] >> nth=0")
    admin.click("a[data-step=approve]")
    admin.fill("#id_comment", "同意转入乙厂工会")
    admin.click("input[type=submit]")
    admin.wait_for_selector(".messagelist")
    screenshot(admin, "transfer-admin-approved")

    page.goto(f"{live_server.url}/transfer/{app.pk}/")
    assert page.get_by_test_id("transfer-state").inner_text() == "已批准"
    page.goto(f"{live_server.url}/")
    assert page.get_by_test_id("union").inner_text() == "乙厂工会"
    assert Membership.objects.get(pk=membership.pk).member_no == membership.member_no
