import datetime as dt

import pytest
from django.core.cache import cache

from portal import card
from tests.e2e.conftest import screenshot
from tests.members import factories as f
from tests.portal.qr import decode_png

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _login(page, live_server, user):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", user.person.phone)
    page.fill("#id_password", f.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def _fits_phone_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_member_shows_card_and_its_qr_code_verifies_on_a_phone(live_server, phone_page, settings, city):
    cache.clear()
    settings.SITE_URL = live_server.url
    user, membership = f.member(city.branch, name="清小极", joined_on=dt.date(2021, 9, 1))
    page = phone_page
    _login(page, live_server, user)
    # not yet on: the home page offers activation with the member's own ID number (Changxing 惠工卡)
    page.fill("#id_home_id_number", user.person.id_number)
    page.click("[data-testid=home-card] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/card/")
    assert page.get_by_test_id("card-name").inner_text() == "清小极"
    assert page.get_by_test_id("card-member-no").inner_text() == membership.member_no
    assert page.get_by_test_id("card-status").inner_text() == "正常"
    assert page.locator(".member-nav a[aria-current=page]").inner_text() == "会员卡"
    assert _fits_phone_width(page)
    screenshot(page, "member-card")

    [url] = decode_png(page.locator("[data-testid=card-qr] svg").screenshot())
    assert url.startswith(f"{live_server.url}/card/verify/")
    assert card.card_check(url.rstrip("/").rsplit("/", 1)[-1]).is_valid

    visitor = page.context.browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", device_scale_factor=2
    )
    try:
        checker = visitor.new_page()
        response = checker.goto(url)
        assert response.headers["cache-control"] == "no-store"
        result = checker.get_by_test_id("verify-result")
        assert result.get_attribute("data-result") == "valid"
        assert checker.get_by_test_id("verify-name").inner_text() == "清*极"
        assert checker.get_by_test_id("verify-union").inner_text() == city.branch.name
        content = checker.content()
        assert "清小极" not in content and membership.member_no not in content
        assert user.person.id_number_masked not in content and user.person.phone_masked not in content
        assert _fits_phone_width(checker)
        screenshot(checker, "member-card-verified")

        checker.goto(url.replace("/verify/", "/verify/x"))
        assert checker.get_by_test_id("verify-result").get_attribute("data-result") == "tampered"
        screenshot(checker, "member-card-tampered")
    finally:
        visitor.close()


def test_member_reads_messages_and_updates_profile_on_a_phone(live_server, phone_page, city):
    from notifications.services import notify

    user, _membership = f.member(city.branch, name="清小极")
    for i, subject in enumerate(["入会申请已批准", "会费缴纳提醒"]):
        notify(
            recipient=user,
            template="test",
            subject=subject,
            body=f"{subject}：详见会员服务。",
            dedupe_key=f"e2e:{i}",
            channels=("inbox",),
        )
    page = phone_page
    _login(page, live_server, user)
    assert "2 条未读" in page.get_by_test_id("home-inbox").inner_text()
    assert page.get_by_test_id("home-card").is_visible()
    screenshot(page, "member-home-corner")
    page.click(".member-nav >> text=消息")
    assert page.get_by_test_id("inbox-item").first.inner_text().startswith("会费缴纳提醒")
    assert page.get_by_test_id("inbox-unread").inner_text() == "2"
    assert _fits_phone_width(page)
    screenshot(page, "member-inbox")
    page.get_by_test_id("inbox-item").first.get_by_role("button", name="标为已读").click()
    assert page.get_by_test_id("inbox-unread").inner_text() == "1"
    page.click(".member-nav >> text=我的资料")
    page.select_option("#id_education", "bachelor")
    page.fill("#id_ethnicity", "土家族")
    page.click("main button.primary")
    assert "已保存 2 项修改" in page.content()
    assert page.get_by_test_id("profile-history").is_visible()
    assert _fits_phone_width(page)
    screenshot(page, "member-profile")


def test_staff_see_what_members_changed_in_the_admin(live_server, desk_page, city):
    from members.profile import person_profile_update
    from tests.e2e.conftest import admin_login

    user, _membership = f.member(city.branch, name="清小极")
    person_profile_update(
        person_id=user.person.pk,
        actor=user,
        changes={"education": "bachelor", "address": "宜昌市西陵区夷陵大道1号"},
    )
    page = desk_page
    admin_login(page, live_server, city.grassroots_staff.username, "Staff-pass-123")
    page.goto(f"{live_server.url}/admin/members/profilechange/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    assert "清小极" in rows.first.inner_text()
    screenshot(page, "admin-profile-changes")
    page.goto(f"{live_server.url}/admin/members/person/{user.person.pk}/change/")
    assert "大学本科" in page.content()
    assert user.person.phone not in page.content() and user.person.id_number not in page.content()
