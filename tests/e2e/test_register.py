import pytest

from members.models import Person
from notifications import sms
from tests.e2e.conftest import screenshot
from tests.members import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_member_registers_logs_in_and_sees_home(live_server, phone_page):
    sms.outbox.clear()
    page = phone_page
    id_number = f.id_number()
    phone = f.phone()
    page.goto(f"{live_server.url}/register/")
    page.fill("#id_name", "清小极")
    page.fill("#id_id_number", id_number[:-1] + ("0" if id_number[-1] != "0" else "1"))  # wrong check digit
    page.fill("#id_phone", phone)
    with page.expect_navigation():
        page.click("button[name=send_code]")
    [sent] = [m for m in sms.outbox if m["phone"] == phone]
    page.fill("#id_sms_code", sent["params"]["code"])
    page.fill("#id_password", "Qing-xiaoji-2025")
    page.fill("#id_password2", "Qing-xiaoji-2025")
    page.click("button.primary")
    assert page.locator(".field.invalid").count() == 1
    assert "校验位" in page.content()
    page.fill("#id_id_number", id_number)
    page.fill("#id_password", "Qing-xiaoji-2025")
    page.fill("#id_password2", "Qing-xiaoji-2025")
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_test_id("membership-status").inner_text() == "尚未入会"
    assert Person.objects.count() == 1
    # log out and back in with the phone number
    page.click("text=退出")
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", phone)
    page.fill("#id_password", "Qing-xiaoji-2025")
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    content = page.content()
    assert "清小极" in content
    assert id_number not in content and phone not in content
    assert id_number[:6] + "********" in content
    screenshot(page, "member-home")
