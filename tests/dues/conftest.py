import datetime as dt
import json

import pytest

from dues.models import PaidMonth
from dues.providers import sandbox
from members.models import DuesMode
from tests.members import factories as f
from unionhub.lib import months


def credit(membership, first: str, last: str, source=PaidMonth.Source.SELF_PAY, amount="10.00"):
    """Months already paid before the test's business date (ledger facts)."""
    span = months.month_range(months.parse_month(first), months.add_months(months.parse_month(last), 1))
    PaidMonth.objects.bulk_create(
        [PaidMonth(membership=membership, month=m, amount=amount, source=source) for m in span]
    )


def signed(order, transaction_id="TX-1", amount=None):
    body = json.dumps(
        {
            "order_no": order.order_no,
            "amount": amount or str(order.total_amount),
            "transaction_id": transaction_id,
            "paid_at": "2025-04-15T10:00:00+08:00",
        }
    ).encode()
    return body, sandbox.sign(body)


def seed_rates():
    """The migration's rates again: a transactional test elsewhere may have flushed them."""
    from dues.models import DuesRate

    for year in (2025, 2026):
        DuesRate.objects.get_or_create(year=year, defaults={"monthly_amount": "10.00"})


@pytest.fixture(autouse=True)
def dues_rates(request):
    if request.node.get_closest_marker("django_db") is not None:
        seed_rates()


def deliver(order, transaction_id="TX-1") -> str:
    """The sandbox notification for the order, signed and handled as the endpoint would."""
    from dues import services

    body, signature = signed(order, transaction_id)
    return services.payment_notification_handle(
        provider_name="sandbox", headers={"X-Sandbox-Signature": signature}, body=body
    )


@pytest.fixture
def april(today):
    today("2025-04-15")
    return dt.date(2025, 4, 15)


@pytest.fixture
def make_member(city):
    def make(*, joined_on=dt.date(2024, 1, 10), hire_date=None, dues_mode=DuesMode.SELF_PAY, union=None):
        return f.member(union or city.branch, joined_on=joined_on, hire_date=hire_date, dues_mode=dues_mode)

    return make
