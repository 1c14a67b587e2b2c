import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.dues.conftest import credit, seed_rates
from tests.e2e.conftest import screenshot
from tests.members import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_member_sees_the_grid_pays_through_the_sandbox_and_sees_paid(live_server, phone_page, settings):
    settings.UNIONHUB_TODAY = "2025-04-15"
    seed_rates()
    union = f.union(name="能源与动力工程系分工会")
    user, membership = f.member(union, joined_on=dt.date(2024, 1, 10))
    credit(membership, "2024-01", "2025-01")  # example 2: Feb–Mar forgotten
    page = phone_page
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.person.phone)
    page.fill("#id_password", f.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.click("text=查看缴费信息")
    grid = page.get_by_test_id("dues-grid")
    assert grid.locator("[data-status=due]").count() == 3
    assert grid.locator("[data-month='2']").inner_text().split() == ["2月", "待缴费", "¥", "10"]
    assert (
        "能源与动力工程系分工会 | " + membership.member_no in page.get_by_test_id("dues-union").inner_text()
    )
    screenshot(page, "dues-grid")
    page.get_by_test_id("dues-pay").click()
    expect(page.get_by_test_id("pay-total")).to_have_text("30.00")  # Feb–Apr at least
    page.select_option("#id_through_month", "6")
    page.fill("#id_extra_amount", "2")
    expect(page.get_by_test_id("pay-total")).to_have_text("52.00")
    screenshot(page, "dues-pay")
    page.get_by_test_id("pay-submit").click()
    expect(page.get_by_test_id("order-total")).to_have_text("¥52.00")
    page.get_by_test_id("sandbox-pay").click()
    page.wait_for_selector("text=支付成功")
    statuses = [
        grid_cell.get_attribute("data-status")
        for grid_cell in page.get_by_test_id("dues-grid").locator("li").all()
    ]
    assert statuses[:6] == ["paid"] * 6
    assert "已缴费" in page.get_by_test_id("dues-grid").locator("[data-month='6']").inner_text()
    screenshot(page, "dues-paid")
    page.click("text=缴费记录")
    assert "2025-02 ~ 2025-06" in page.get_by_test_id("dues-history").inner_text()
