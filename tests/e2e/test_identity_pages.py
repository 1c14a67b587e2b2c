"""Browser: register with a code, forgot password, and activation of an imported member (the codes are read from
the locmem SMS outbox, which the live server thread shares with the test)."""

import pytest

from members import services as member_services
from members.identity import identity_verified_by
from members.models import Person, User
from notifications import sms
from tests.e2e.conftest import screenshot
from tests.members import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "Qing-xiaoji-2025"


def last_code(phone: str, purpose: str) -> str:
    sent = [m for m in sms.outbox if m["phone"] == phone and m["kind"] == f"code_{purpose}"]
    assert sent, f"no {purpose} code reached the phone"
    return sent[-1]["params"]["code"]


def ask_code(page):
    with page.expect_navigation():
        page.click("button[name=send_code]")
    button = page.locator("button[name=send_code]")
    assert button.is_disabled() and "秒后重新获取" in button.inner_text()  # the 60-second countdown


def test_register_with_a_code(live_server, phone_page):
    sms.outbox.clear()
    page = phone_page
    id_number, phone = f.id_number(), f.phone()
    page.goto(f"{live_server.url}/login/")
    page.click("text=没有账号？实名注册")
    page.fill("#id_name", "清小极")
    page.fill("#id_id_number", id_number)
    page.fill("#id_phone", phone)
    ask_code(page)
    assert page.input_value("#id_id_number") == id_number  # what was typed stays
    page.fill("#id_sms_code", last_code(phone, "register"))
    page.fill("#id_password", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_test_id("membership-status").inner_text() == "尚未入会"
    assert identity_verified_by(User.objects.get(person__name="清小极")) == ["sms"]
    screenshot(page, "register-with-code")


def test_forgot_password(live_server, phone_page):
    sms.outbox.clear()
    member = f.person_user(name="忘记密码")
    phone = member.person.phone
    page = phone_page
    page.goto(f"{live_server.url}/login/")
    page.click("text=忘记密码")
    page.fill("#id_phone", phone)
    ask_code(page)
    page.fill("#id_sms_code", last_code(phone, "reset"))
    page.fill("#id_new_password", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/login/")
    page.fill("#id_username", phone)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "忘记密码" in page.content()


def test_activation_of_an_imported_member(live_server, phone_page, city):
    sms.outbox.clear()
    person = member_services.person_create(name="导入会员", id_number=f.id_number(), phone=f.phone())
    member_services.membership_create(person=person, union=city.branch, dues_mode="payroll", actor=None)
    page = phone_page
    page.goto(f"{live_server.url}/login/")
    page.click("text=激活会员账号（工会已登记的会员）")
    page.fill("#id_id_number", person.id_number)
    page.fill("#id_phone", person.phone)
    ask_code(page)
    page.fill("#id_sms_code", last_code(person.phone, "activate"))
    page.fill("#id_password", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    assert "导入会员" in page.content()
    assert User.objects.get(person=Person.objects.get(pk=person.pk)).check_password(PASSWORD)
    screenshot(page, "activated-member")
