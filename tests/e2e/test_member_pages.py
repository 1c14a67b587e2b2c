"""Every member page at a phone viewport: one navigation (the bottom tab bar) and no serious or critical
accessibility violation as axe-core reports them (labels, contrast WCAG AA, names)."""

import datetime as dt
import re

import pytest

from applications.models import EmploymentType
from tests.dues.conftest import credit, seed_rates
from tests.e2e.a11y import serious_violations
from tests.e2e.conftest import screenshot
from tests.members import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, user):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.person.phone)
    page.fill("#id_password", f.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def _check(page, name, problems):
    nav = page.get_by_test_id("member-nav")
    if nav.count() != 1:
        problems.append(f"{name}: {nav.count()} member navigations")
    else:
        box = nav.bounding_box()
        if not nav.is_visible() or abs(box["y"] + box["height"] - 844) > 1:
            problems.append(f"{name}: the tab bar is not at the bottom of the phone screen ({box})")
        for label in ("首页", "会员卡", "消息", "我的资料"):
            if nav.get_by_text(label, exact=True).count() != 1:
                problems.append(f"{name}: no {label} tab")
    if page.locator("header nav a, header nav button").count() != 4 + 1:  # the four tabs and 退出
        problems.append(f"{name}: other links in the header")
    problems.extend(f"{name}: {v}" for v in serious_violations(page))
    screenshot(page, f"member-{name}")


def test_every_member_page_has_one_navigation_and_no_serious_accessibility_violation(
    live_server, a11y_phone, settings
):
    settings.UNIONHUB_TODAY = "2025-04-15"
    seed_rates()
    union = f.union(name="能源与动力工程系分工会")
    user, membership = f.member(union, joined_on=dt.date(2024, 1, 10))
    credit(membership, "2024-01", "2025-01")
    page, problems = a11y_phone, []
    _login(page, live_server, user)
    sections = page.locator("main > section").all()
    assert sections[0].get_attribute("data-testid") == "dues-section", "入会缴费 first for a self-pay member"
    _check(page, "home", problems)
    for name, path in [
        ("card", "/card/"),
        ("inbox", "/messages/"),
        ("profile", "/profile/"),
        ("dues", "/dues/"),
        ("transfer", "/transfer/"),
        ("pay", "/dues/pay/"),
    ]:
        page.goto(live_server.url + path)
        _check(page, name, problems)
    page.get_by_test_id("pay-submit").click()
    page.wait_for_url("**/sandbox/pay/**")
    _check(page, "sandbox-pay", problems)
    order_no = page.url.rstrip("/").rsplit("/", 1)[-1]
    page.goto(f"{live_server.url}/dues/orders/{order_no}/")
    _check(page, "order", problems)
    page.goto(f"{live_server.url}/dues/sandbox/pay/{order_no}/")
    page.get_by_test_id("sandbox-pay").click()
    page.wait_for_selector("text=支付成功")
    page.goto(live_server.url + "/dues/history/")
    row = page.get_by_test_id("dues-history").locator("li").first
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row.locator("time").inner_text())
    assert "2025-02 ~ 2025-04" in row.inner_text() and "3 个月" in row.inner_text()
    assert row.bounding_box()["width"] <= 390
    status = row.locator(".status")
    assert status.bounding_box()["height"] < 2 * 16 * 1.5, "已支付 on one line"
    _check(page, "history", problems)
    assert problems == [], "\n".join(problems)


def test_applicant_pages_have_one_navigation_the_application_first_and_no_serious_violation(
    live_server, a11y_phone
):
    from applications import services

    applicant = f.person_user(name="刘小红", born=dt.date(1995, 5, 20), male=False)
    page, problems = a11y_phone, []
    _login(page, live_server, applicant)
    _check(page, "applicant-home", problems)
    page.goto(live_server.url + "/join/")
    _check(page, "join-apply", problems)
    app = services.join_application_submit(
        user=applicant,
        union=f.union(name="甲厂工会"),
        unit_name="甲厂",
        employment_type=EmploymentType.STAFF,
        hire_date=dt.date(2024, 3, 1),
        statement="",
        proof=None,
    )
    page.goto(live_server.url + "/")
    sections = page.locator("main > section").all()
    assert sections[0].get_attribute("data-testid") == "join-section", (
        "the application first for an applicant"
    )
    _check(page, "applicant-home-applied", problems)
    page.goto(f"{live_server.url}/join/{app.pk}/")
    _check(page, "join-detail", problems)
    assert problems == [], "\n".join(problems)
