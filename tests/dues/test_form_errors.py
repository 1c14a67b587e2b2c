"""Member forms say what is wrong as clearly as the API does."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from dues.models import PaymentOrder
from tests.datawork.conftest import roster_row, run_import, xlsx_bytes
from tests.dues.conftest import credit
from unionhub.lib import months, phone

pytestmark = pytest.mark.django_db


def _api_detail(user, **body) -> str:
    from tests.conftest import api_as

    response = api_as(user).post("/api/v1/me/dues/payments/", {"year": 2025, **body}, format="json")
    assert response.status_code == 400
    return response.json()["detail"]


def test_tampered_through_month_gets_the_apis_message_beside_the_field(april, make_member, client):
    user, m = make_member()
    credit(m, "2024-01", "2025-01")  # February and March forgotten: pay Feb–Apr, at most through September
    client.force_login(user)
    html = client.post(
        "/dues/pay/", {"year": 2025, "through_month": 12, "extra_amount": "0"}
    ).content.decode()
    api = _api_detail(user, through_month=12, extra_amount="0")
    assert api == "本次缴费最多可缴至9月。" and api in html
    assert "选择一个有效的选项" not in html and "不在可用的选项中" not in html
    below = client.post(
        "/dues/pay/", {"year": 2025, "through_month": 3, "extra_amount": "0"}
    ).content.decode()
    assert "本次缴费至少应缴至4月（含全部待缴月份）。" in below
    assert not PaymentOrder.objects.filter(membership=m).exists()


def test_negative_extra_is_refused_with_a_clear_message_and_no_browser_only_check(april, make_member, client):
    user, m = make_member()
    credit(m, "2024-01", "2025-03")
    client.force_login(user)
    page = client.get("/dues/pay/").content.decode()
    assert 'min="0"' not in page  # no browser tooltip instead of our message
    assert 'data-text-invalid-extra="自愿多交金额应为不小于0、最多两位小数的金额。"' in page
    html = client.post(
        "/dues/pay/", {"year": 2025, "through_month": 4, "extra_amount": "-5"}
    ).content.decode()
    assert '<p class="error">自愿多交金额应为不小于0、最多两位小数的金额。</p>' in html
    assert (
        _api_detail(user, through_month=4, extra_amount="-5")
        == "自愿多交金额应为不小于0、最多两位小数的金额。"
    )
    assert not PaymentOrder.objects.filter(membership=m).exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1380013abcd", "手机号码只能包含数字。"),
        ("1380013800", "手机号码应为11位数字，当前为10位。"),
        ("12800138000", "手机号码应以13至19开头。"),
    ],
)
def test_phone_errors_say_what_is_wrong(value, message):
    with pytest.raises(ValidationError) as err:
        phone.validate(value)
    assert err.value.messages == [message] and err.value.code == "phone_format"
    assert phone.validate("138-0013-8000") == "13800138000"


def test_registration_form_names_the_phone_problem(client):
    html = client.post(
        "/register/",
        {
            "name": "张三",
            "id_number": "11010519491231002X",
            "phone": "1380013abcd",
            "password": "Member-pass-123",
            "password2": "Member-pass-123",
        },
    ).content.decode()
    assert "手机号码只能包含数字" in html and "请输入11位手机号码" not in html


def test_import_errors_read_as_one_sentence_without_stray_stops(city, client):
    rows = [roster_row(n) for n in range(1, 3)]
    good = rows[1]["身份证号码"]
    rows[1]["身份证号码"] = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows[1]["手机号码"] = "1380013abcd"
    job = run_import(city.grassroots, city.grassroots_staff, xlsx_bytes(rows))
    [error] = job.report["errors"]
    text = "；".join(error["errors"])
    assert text == "身份证号码：身份证号码校验位不正确；手机号码：手机号码只能包含数字"
    client.force_login(city.grassroots_staff)
    page = client.get(f"/admin/datawork/importjob/{job.pk}/change/", follow=True).content.decode()
    assert "。；" not in page


def test_arrears_of_last_year_is_guidance_not_an_error(april, make_member, client):
    user, m = make_member(joined_on=dt.date(2024, 1, 10))
    credit(m, "2024-01", "2024-09")
    client.force_login(user)
    page = client.get("/dues/pay/?year=2025", follow=True).content.decode()
    assert '<li class="info">请先缴纳2024年度所欠会费。</li>' in page
    assert '<li class="error">请先缴纳' not in page


def test_language_picker_names_each_language_in_itself_and_month_labels_in_english(
    client, april, make_member
):
    html = client.get("/login/").content.decode()
    assert '<option value="en" lang="en">English</option>' in html and ">英语<" not in html
    client.cookies["django_language"] = "en"
    html = client.get("/login/").content.decode()
    assert ">简体中文</option>" in html and ">Simplified Chinese<" not in html
    with translation.override("en"):
        assert [months.month_name(n) for n in (1, 4, 12)] == ["January", "April", "December"]
    with translation.override("zh-hans"):
        assert months.month_name(4) == "4月"
    user, m = make_member()
    credit(m, "2024-01", "2025-03")
    client.force_login(user)
    page = client.get("/dues/pay/").content.decode()
    assert ">April<" in page and "Month 4" not in page
    assert ">April<" in client.get("/dues/").content.decode()
