"""The dues summary on the member home page (one of portal.views.home.HOME_SECTIONS)."""

import datetime as dt

import pytest
from django.urls import reverse

from dues import services
from dues.views import home_section
from members import services as member_services
from members.models import DuesMode
from portal.views.home import HOME_SECTIONS
from tests.dues.conftest import credit

pytestmark = pytest.mark.django_db


def home(client, user) -> str:
    client.force_login(user)
    page = client.get(reverse("member-home"))
    assert page.status_code == 200
    return page.content.decode().split('data-testid="dues-section"')[1].split("</section>")[0]


def test_dues_app_registers_its_home_section_once():
    assert HOME_SECTIONS.count(home_section) == 1


def test_self_pay_member_sees_the_months_due_and_a_pay_button(client, april, make_member):
    # Tsinghua example 4: hired 2025-02, joined 2025-04 → February to April due
    user, _m = make_member(joined_on=dt.date(2025, 4, 8), hire_date=dt.date(2025, 2, 10))
    section = home(client, user)
    assert "本年度有 3 个月待缴费，共 ¥30.00。" in section
    assert "2月、3月、4月" in section
    assert f'href="{reverse("dues-pay")}?year=2025" data-testid="home-dues-pay"' in section
    assert "工资代扣" not in section


def test_self_pay_member_with_last_years_arrears_is_sent_to_pay_that_year_first(client, april, make_member):
    user, m = make_member()
    credit(m, "2024-01", "2024-10")
    section = home(client, user)
    assert "2024年度尚有欠费，请先补缴。" in section
    assert f'href="{reverse("dues-pay")}?year=2024"' in section


def test_self_pay_member_paid_up_sees_nothing_due_and_may_pay_ahead(client, april, make_member):
    user, m = make_member()
    credit(m, "2024-01", "2025-04")
    section = home(client, user)
    assert "本年度没有待缴会费。" in section and 'data-testid="home-dues-pay"' in section


@pytest.mark.parametrize(("mode", "text"), [(DuesMode.PAYROLL, "工资代扣"), (DuesMode.UNIT_PAID, "统一缴纳")])
def test_payroll_and_unit_paid_members_see_their_dues_mode_without_a_pay_button(
    client, april, make_member, mode, text
):
    user, _m = make_member(dues_mode=mode)  # nothing imported yet: the months are open, but not theirs to pay
    section = home(client, user)
    assert text in section and "无需自行缴费" in section
    assert 'data-testid="home-dues-pay"' not in section and "待缴费" not in section
    assert reverse("dues-pay") not in section


def test_retained_member_sees_the_exemption_without_a_pay_button(client, april, make_member):
    user, m = make_member()
    member_services.membership_retain(membership_id=m.pk, actor=None, reason="retired")
    section = home(client, user)
    assert "保留会籍期间免缴会费" in section and 'data-testid="home-dues-pay"' not in section


def test_dues_page_of_a_member_who_cannot_pay_says_why_and_asks_for_nothing(client, april, make_member):
    user, m = make_member()
    credit(m, "2024-01", "2024-08")  # seven months unpaid: withdrawn by the sweep
    assert services.dues_sweep(today=april)["withdrawn"] == 1
    client.force_login(user)
    html = client.get(reverse("dues-home")).content.decode()
    assert "您的会籍状态为退会，不能缴纳会费。" in html
    assert "请先补缴" not in html and 'data-testid="dues-pay"' not in html

    retained_user, retained = make_member()
    member_services.membership_retain(membership_id=retained.pk, actor=None, reason="retired")
    client.force_login(retained_user)
    html = client.get(reverse("dues-home")).content.decode()
    assert "保留期间免缴会费" in html and 'data-month="5" data-status="not_required"' in html
