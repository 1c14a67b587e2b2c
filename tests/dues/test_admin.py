"""Payroll import, unit-paid bulk payment, receipts and the admin pages of the dues ledger."""

import datetime as dt
import io

import pytest
from openpyxl import Workbook
from pypdf import PdfReader

from dues import imports, services
from dues.models import DuesRate, PaidMonth, PaymentOrder
from dues.receipts import receipt_pdf
from members.models import DuesMode
from tests.dues.conftest import credit, deliver
from tests.members import factories as f

pytestmark = pytest.mark.django_db


def xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["身份证号码", "年", "月", "金额"])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_payroll_import_reports_per_row_and_reimport_changes_nothing(april, city, make_member):
    user, m = make_member(dues_mode=DuesMode.PAYROLL)
    _other_user, self_pay = make_member()
    id_number = user.person.id_number
    content = xlsx(
        [
            [id_number, 2025, 1, "10.00"],
            [id_number, 2025, 2, "10.00"],
            [id_number, 2025, 2, "10.00"],
            [self_pay.person.id_number, 2025, 1, "10.00"],
            ["110105199001010000", 2025, 1, "10"],
            [id_number, 2025, "x", "10"],
        ]
    )
    report = imports.payroll_import(actor=city.branch_staff, rows=imports.read_rows("pay.xlsx", content))
    assert [r.status for r in report.rows] == ["credited", "credited", "already", "error", "error", "error"]
    assert all(id_number not in (r.id_masked + r.message) for r in report.rows)
    assert PaidMonth.objects.filter(membership=m, source="payroll").count() == 2
    again = imports.payroll_import(actor=city.branch_staff, rows=imports.read_rows("pay.xlsx", content))
    assert again.credited == 0 and again.already == 3
    assert PaidMonth.objects.filter(membership=m).count() == 2


def test_payroll_import_csv_and_scope(april, city, make_member):
    user, m = make_member(dues_mode=DuesMode.PAYROLL)
    content = f"身份证号码,年,月,金额\n{user.person.id_number},2025,3,10.00\n".encode()
    report = imports.payroll_import(actor=city.sibling_staff, rows=imports.read_rows("pay.csv", content))
    assert report.errors == 1 and not PaidMonth.objects.exists()
    report = imports.payroll_import(actor=city.grassroots_staff, rows=imports.read_rows("pay.csv", content))
    assert report.credited == 1


def test_unit_payment_pays_the_year_for_chosen_members(april, city, make_member):
    _u1, a = make_member(
        dues_mode=DuesMode.UNIT_PAID, joined_on=dt.date(2025, 3, 1), hire_date=dt.date(2020, 1, 1)
    )
    _u2, b = make_member(dues_mode=DuesMode.UNIT_PAID)
    orders = services.unit_payment_record(actor=city.branch_staff, year=2025, membership_ids=[a.pk, b.pk])
    assert len(orders) == 2 and all(o.status == "paid" and o.receipt_no for o in orders)
    assert PaidMonth.objects.filter(membership=a, month__year=2025, source="unit").count() == 12
    assert services.unit_payment_record(actor=city.branch_staff, year=2025, membership_ids=[a.pk]) == []
    with pytest.raises(Exception):  # noqa: B017 - BusinessError: out of scope
        services.unit_payment_record(actor=city.sibling_staff, year=2025, membership_ids=[a.pk])


def test_receipt_pdf_has_the_receipt_text(april, make_member):
    _user, m = make_member()
    credit(m, "2024-01", "2025-03")
    order = services.dues_payment_create(membership=m, year=2025, through_month=8, extra_amount="2")
    deliver(order, "TX-R")
    order.refresh_from_db()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(receipt_pdf(order))).pages)
    assert (
        "工会会费收据" in text
        and order.receipt_no in text
        and "52.00" in text
        and "2025-04 ~ 2025-08" in text
    )


def test_admin_pages_render_for_staff_in_scope(april, city, make_member, client):
    _user, m = make_member()
    credit(m, "2024-01", "2025-03")
    order = services.dues_payment_create(membership=m, year=2025, through_month=4, extra_amount="0")
    services.dues_sweep(today=april)
    client.force_login(city.grassroots_staff)
    for url in [
        "/admin/dues/paymentorder/",
        "/admin/dues/paymentorder/?status=pending&month=2025-04",
        "/admin/dues/refundpendingorder/",
        "/admin/dues/paidmonth/",
        "/admin/dues/arrearsentry/",
        "/admin/dues/paidmonth/payroll-import/",
        "/admin/dues/paymentorder/unit-payment/",
        "/admin/dues/duesrate/",
    ]:
        assert client.get(url).status_code == 200, url
    assert order.order_no in client.get("/admin/dues/paymentorder/").content.decode()
    client.force_login(city.sibling_staff)
    assert order.order_no not in client.get("/admin/dues/paymentorder/").content.decode()


def test_only_city_admins_edit_rates(city, client):
    rate = DuesRate.objects.get(year=2025)
    client.force_login(city.grassroots_staff)
    assert (
        client.post(
            f"/admin/dues/duesrate/{rate.pk}/change/", {"year": 2025, "monthly_amount": "99.00"}
        ).status_code
        == 403
    )
    client.force_login(city.city_admin)
    response = client.post(
        f"/admin/dues/duesrate/{rate.pk}/change/", {"year": 2025, "monthly_amount": "12.00"}
    )
    assert response.status_code == 302
    assert str(DuesRate.objects.get(year=2025).monthly_amount) == "12.00"


def test_refund_pending_orders_are_listed_and_marked_done(april, city, make_member, client):
    _user, m = make_member()
    credit(m, "2024-01", "2025-03")
    first = services.dues_payment_create(membership=m, year=2025, through_month=4, extra_amount="0")
    second = services.dues_payment_create(membership=m, year=2025, through_month=4, extra_amount="0")
    for order, tx in ((second, "TX-2"), (first, "TX-1")):
        deliver(order, tx)
    first.refresh_from_db()
    assert first.status == "refund_pending"
    client.force_login(city.branch_staff)
    assert first.order_no in client.get("/admin/dues/refundpendingorder/").content.decode()
    client.post(
        "/admin/dues/refundpendingorder/", {"action": "mark_refunded", "_selected_action": [first.pk]}
    )
    assert PaymentOrder.objects.get(pk=first.pk).status == "refunded"


def test_member_pages_and_receipt_download(april, make_member, client):
    user, m = make_member()
    credit(m, "2024-01", "2025-03")
    client.force_login(user)
    page = client.get("/dues/").content.decode()
    assert "已缴费" in page and "待缴费" in page and m.member_no in page and m.union.name in page
    assert client.get("/dues/pay/").status_code == 200
    response = client.post("/dues/pay/", {"year": 2025, "through_month": 8, "extra_amount": "2"})
    assert response.status_code == 302
    order = PaymentOrder.objects.get(membership=m)
    assert response.url == f"/dues/sandbox/pay/{order.order_no}/"
    assert "52.00" in client.get(response.url).content.decode()
    client.post(response.url)
    order.refresh_from_db()
    assert order.status == "paid"
    assert client.get("/dues/history/").status_code == 200
    pdf_response = client.get(f"/dues/orders/{order.order_no}/receipt.pdf")
    assert pdf_response["Content-Type"] == "application/pdf"
    other, _m2 = f.member(m.union)
    client.force_login(other)
    assert client.get(f"/dues/orders/{order.order_no}/receipt.pdf").status_code == 404
    assert client.get(f"/dues/sandbox/pay/{order.order_no}/").status_code == 404
    assert "入会缴费" in client.get("/").content.decode()


def test_bulk_views_need_the_dues_permissions(city, client):
    from members.models import User

    bare = User.objects.create_user(
        username="bare-staff", password="x-Pass-12345", union=city.branch, is_staff=True
    )
    client.force_login(bare)
    assert client.get("/admin/dues/paidmonth/payroll-import/").status_code == 403
    assert client.get("/admin/dues/paymentorder/unit-payment/").status_code == 403


def test_payroll_import_through_the_admin_shows_the_report(april, city, make_member, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    user, m = make_member(dues_mode=DuesMode.PAYROLL)
    id_number = user.person.id_number
    upload = SimpleUploadedFile(
        "payroll.xlsx", xlsx([[id_number, 2025, 1, "10.00"], [id_number, 2025, 13, "1"]])
    )
    client.force_login(city.branch_staff)
    page = client.post("/admin/dues/paidmonth/payroll-import/", {"file": upload}).content.decode()
    assert "入账 1 行" in page and "错误 1 行" in page
    assert id_number not in page and user.person.id_number_masked in page
    assert PaidMonth.objects.filter(membership=m).count() == 1


def test_unit_payment_through_the_admin(april, city, make_member, client):
    _u, m = make_member(dues_mode=DuesMode.UNIT_PAID)
    client.force_login(city.branch_staff)
    page = client.get("/admin/dues/paymentorder/unit-payment/").content.decode()
    assert m.member_no in page
    response = client.post("/admin/dues/paymentorder/unit-payment/", {"year": 2025, "memberships": [m.pk]})
    assert response.status_code == 302
    order = PaymentOrder.objects.get(membership=m)
    assert order.provider == "unit" and order.months_count == 12 and str(order.total_amount) == "120.00"
    assert client.get(f"/admin/dues/paymentorder/{order.pk}/receipt.pdf")["Content-Type"] == "application/pdf"
    client.force_login(city.sibling_staff)
    assert client.get(f"/admin/dues/paymentorder/{order.pk}/receipt.pdf").status_code == 404


def test_orders_show_payment_channels_by_their_chinese_labels_in_list_and_filter(
    april, city, make_member, client
):
    _user, m = make_member()
    credit(m, "2024-01", "2025-03")
    services.dues_payment_create(membership=m, year=2025, through_month=4, extra_amount="0")
    _u2, unit_paid = make_member(dues_mode=DuesMode.UNIT_PAID)
    services.unit_payment_record(actor=city.branch_staff, year=2025, membership_ids=[unit_paid.pk])
    client.force_login(city.grassroots_staff)
    page = client.get("/admin/dues/paymentorder/").content.decode()
    assert "在线支付（测试）" in page and "单位统一缴纳" in page
    assert ">sandbox<" not in page and ">unit<" not in page
    filtered = client.get("/admin/dues/paymentorder/", {"provider": "unit"}).content.decode()
    assert "单位统一缴纳" in filtered and unit_paid.member_no in filtered and m.member_no not in filtered
