"""缴费记录: each paid order shows its paid date, its months and its amount."""

import pytest
from django.utils import timezone

from dues.models import PaymentOrder
from tests.dues.conftest import credit

pytestmark = pytest.mark.django_db


def _pay(client, user, through_month, extra="0"):
    client.force_login(user)
    response = client.post(
        "/dues/pay/", {"year": 2025, "through_month": through_month, "extra_amount": extra}
    )
    assert response.status_code == 302
    client.post(response.url)
    return PaymentOrder.objects.filter(status="paid").latest("pk")


def _rows(html: str) -> list[str]:
    listing = html.split('data-testid="dues-history"')[1].split("</ol>")[0]
    return listing.split("</li>")[:-1]


def test_a_paid_row_shows_the_paid_date_the_months_and_the_amount(april, make_member, client):
    user, m = make_member()
    credit(m, "2024-01", "2025-01")
    order = _pay(client, user, through_month=6, extra="2")
    assert order.paid_at is not None
    paid_on = timezone.localtime(order.paid_at).strftime("%Y-%m-%d")
    [row] = _rows(client.get("/dues/history/").content.decode())
    assert f'datetime="{paid_on}' in row and paid_on in row
    assert "2025-02 ~ 2025-06" in row
    assert "5 个月" in row
    assert "¥52.00" in row
    assert "已支付" in row
    assert order.receipt_no in row


def test_an_unpaid_order_shows_when_it_was_created(april, make_member, client):
    user, m = make_member()
    credit(m, "2024-01", "2025-01")
    client.force_login(user)
    client.post("/dues/pay/", {"year": 2025, "through_month": 4, "extra_amount": "0"})
    order = PaymentOrder.objects.get(membership=m)
    [row] = _rows(client.get("/dues/history/").content.decode())
    assert timezone.localtime(order.created_at).strftime("%Y-%m-%d") in row
    assert "待支付" in row
