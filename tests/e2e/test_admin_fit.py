"""The admin at 1440×900 and 1280 px as city, county and union staff: every column in view, no cell narrower
than its badge, state badges on one line, the step buttons as primary actions, and no serious or critical
accessibility violation (axe-core) on the main admin pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from applications import services
from dues.models import PaymentOrder
from tests.applications.conftest import submit
from tests.e2e.a11y import serious_violations
from tests.e2e.conftest import admin_login, screenshot
from tests.members import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STAFF_PASSWORD = "Staff-pass-123"
LONG_UNIT = "宜昌市西陵区长江三峡水利枢纽配套设备制造有限责任公司"

# Per cell: the table must not be cut by its container, a one-line badge/mark must fit inside its cell.
MEASURE = """() => {
  const results = document.querySelector('#changelist .results') || document.querySelector('#result_list');
  const table = document.querySelector('#result_list');
  const out = {cut: results.scrollWidth > results.clientWidth + 1, tableRight: table.getBoundingClientRect().right,
               viewport: window.innerWidth, problems: []};
  for (const el of table.querySelectorAll('.app-state, .app-overdue, td.field-paid_at, td.field-receipt,'
                                          + ' td.field-status, td.field-created_at, td.field-due_marked')) {
    const cell = el.closest('td');
    const inner = el.tagName === 'TD' ? el.scrollWidth : el.getBoundingClientRect().width;
    const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 20;
    if (cell.clientWidth + 1 < inner) out.problems.push(`${cell.className}: cell ${cell.clientWidth} < ${inner}`);
    if (el.tagName !== 'TD' && el.getBoundingClientRect().height > lineHeight * 1.6)
      out.problems.push(`${el.className}: wraps (${el.getBoundingClientRect().height}px)`);
    if (cell.getBoundingClientRect().right > window.innerWidth)
      out.problems.push(`${cell.className}: beyond the screen`);
  }
  const headers = [...table.querySelectorAll('thead th')].map(th => th.innerText.trim());
  return {...out, headers};
}"""


@pytest.fixture
def busy_city(city, settings):
    settings.UNIONHUB_TODAY = "2025-04-07"
    apps = []
    for i in range(3):
        apps.append(submit(f.person_user(name=f"欧阳明{i}"), union=city.branch, unit_name=LONG_UNIT))
    undispatched = submit(f.person_user(name="司马青"), unit_name=LONG_UNIT)
    verified = submit(f.person_user(name="上官红"), unit_name=LONG_UNIT)
    services.join_application_dispatch(
        application_id=verified.pk, actor=city.city_admin, county=city.county_a
    )
    services.join_application_verify(
        application_id=verified.pk, actor=city.county_a_admin, union=city.branch, employer_name=LONG_UNIT
    )
    services.join_application_reject(application_id=apps[0].pk, actor=city.branch_staff, reason="不符合条件")
    settings.UNIONHUB_TODAY = "2025-04-28"  # the open ones are overdue
    _user, membership = f.member(city.branch, name="诸葛亮", joined_on=dt.date(2024, 1, 10))
    PaymentOrder.objects.create(
        order_no="DU202504284D02289B4516",
        membership=membership,
        year=2025,
        first_month=dt.date(2025, 2, 1),
        last_month=dt.date(2025, 12, 1),
        months_count=11,
        dues_amount=Decimal("110.00"),
        extra_amount=Decimal("2"),
        total_amount=Decimal("112.00"),
        status="paid",
        provider="sandbox",
        paid_at=timezone.now(),
        receipt_no="R20250000000001",
        transaction_id="TX-fit-1",
    )
    return city, undispatched, verified


@pytest.mark.parametrize("width", [1440, 1280])
@pytest.mark.parametrize("role", ["city_admin", "county_a_admin", "branch_staff"])
def test_application_and_order_lists_fit_the_screen(live_server, browser, busy_city, role, width):
    city, _undispatched, _verified = busy_city
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    try:
        admin_login(page, live_server, getattr(city, role).username, STAFF_PASSWORD)
        for name, path in [
            ("joins", "/admin/applications/joinapplication/"),
            ("orders", "/admin/dues/paymentorder/"),
        ]:
            page.goto(live_server.url + path)
            page.wait_for_selector("#result_list")
            measured = page.evaluate(MEASURE)
            screenshot(page, f"admin-fit-{name}-{role}-{width}")
            assert not measured["cut"], (name, measured)
            assert measured["tableRight"] <= measured["viewport"], (name, measured)
            assert measured["problems"] == [], (name, measured["problems"])
            if name == "joins":
                for header in ("状态", "办结期限", "提示", "提交时间"):
                    assert header in measured["headers"]
            else:
                for header in ("支付时间", "收据"):
                    assert header in measured["headers"]
    finally:
        context.close()


def test_main_admin_pages_have_no_serious_accessibility_violation(live_server, a11y_desk, busy_city):
    city, undispatched, verified = busy_city
    page, problems = a11y_desk, []
    admin_login(page, live_server, city.city_admin.username, STAFF_PASSWORD)
    pages = [
        ("index", "/admin/"),
        ("joins", "/admin/applications/joinapplication/"),
        ("join", f"/admin/applications/joinapplication/{undispatched.pk}/change/"),
        ("dispatch", f"/admin/applications/joinapplication/{undispatched.pk}/step/dispatch/"),
        ("transfers", "/admin/transfers/transferapplication/"),
        ("orders", "/admin/dues/paymentorder/"),
        ("members", "/admin/members/membership/"),
    ]
    for name, path in pages:
        page.goto(live_server.url + path)
        problems.extend(f"{name}: {v}" for v in serious_violations(page))
        screenshot(page, f"admin-a11y-{name}")
    step = page.locator("a[data-step]")
    page.goto(f"{live_server.url}/admin/applications/joinapplication/{undispatched.pk}/change/")
    assert step.first.evaluate("el => getComputedStyle(el).fontWeight") in ("600", "700")
    assert problems == [], "\n".join(problems)
