import datetime as dt

import pytest

from applications import services
from applications.models import JoinApplication
from tests.applications.conftest import logged_in as _client
from tests.applications.conftest import submit
from tests.members import factories as f

pytestmark = pytest.mark.django_db


def test_home_offers_apply_then_apply_page_prefills_statement_and_searches_unions(city, applicant):
    client = _client(applicant)
    home = client.get("/").content.decode()
    assert 'href="/join/"' in home and "申请入会" in home
    page = client.get("/join/").content.decode()
    assert "我自愿加入中华全国总工会" in page
    page = client.post("/join/", {"q": "一分", "search": "1", "unit_name": "甲厂"}).content.decode()
    assert "甲厂一分工会" in page and "乙厂工会" not in page and 'value="甲厂"' in page
    assert not JoinApplication.objects.exists()


def test_apply_follow_withdraw_and_reapply(city, applicant):
    client = _client(applicant)
    resp = client.post(
        "/join/",
        {
            "union": city.branch.pk,
            "unit_name": "甲厂",
            "employment_type": "staff",
            "hire_date": "2024-03-01",
            "statement": "我自愿加入中华全国总工会。",
            "submit": "1",
        },
    )
    app = JoinApplication.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/join/{app.pk}/"
    page = client.get(f"/join/{app.pk}/").content.decode()
    assert "待审核" in page and "撤销申请" in page
    assert client.get("/join/")["Location"] == f"/join/{app.pk}/"  # one open application at a time
    client.post(f"/join/{app.pk}/withdraw/")
    assert "已撤销" in client.get(f"/join/{app.pk}/").content.decode()
    assert "已撤销" in client.get("/").content.decode()
    page = client.get("/join/").content.decode()
    assert 'value="甲厂"' in page  # re-apply starts from the last application


def test_rejection_reason_shown_and_reapply_offered(city, applicant):
    app = submit(applicant, union=city.branch)
    services.join_application_reject(
        application_id=app.pk, actor=city.branch_staff, reason="请提交本单位证明"
    )
    page = _client(applicant).get(f"/join/{app.pk}/").content.decode()
    assert "已驳回" in page and "请提交本单位证明" in page and "重新申请" in page


def test_apply_errors_are_shown_not_stored(city, today):
    today("2025-04-15")
    minor = f.person_user(born=dt.date(2010, 1, 1))
    page = (
        _client(minor)
        .post(
            "/join/",
            {
                "union": city.branch.pk,
                "unit_name": "甲厂",
                "employment_type": "staff",
                "statement": "x",
                "submit": "1",
            },
        )
        .content.decode()
    )
    assert "未满18周岁" in page and not JoinApplication.objects.exists()


def test_member_downloads_forms_and_nobody_else_can(city, applicant):
    app = submit(applicant, union=city.branch)
    services.join_application_approve(application_id=app.pk, actor=city.branch_staff, dues_mode="self_pay")
    client = _client(applicant)
    resp = client.get(f"/join/{app.pk}/registration-form.pdf")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert client.get(f"/join/{app.pk}/application-form.pdf").status_code == 200
    assert _client(f.person_user(name="他人")).get(f"/join/{app.pk}/application-form.pdf").status_code == 404
