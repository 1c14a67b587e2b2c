"""Reads of the dues ledger: the month calendar (a fixed handful of queries whatever the history), histories."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dues.models import DuesRate, PaidMonth, PaymentOrder
from members.models import DuesMode, Membership, MembershipStatus
from unionhub import months
from unionhub.money import to_money


class MonthStatus:
    NOT_REQUIRED = "not_required"
    PAID = "paid"
    DUE = "due"
    PAYABLE = "payable"
    NOT_OPEN = "not_open"


STATUS_LABELS = {
    MonthStatus.NOT_REQUIRED: _("无需缴费"),
    MonthStatus.PAID: _("已缴费"),
    MonthStatus.DUE: _("待缴费"),
    MonthStatus.PAYABLE: _("可缴费"),
    MonthStatus.NOT_OPEN: _("未开始"),
}

WINDOW_AHEAD = 5  # the current month and up to five more (最多5个月)


@dataclass
class MonthCell:
    month: dt.date
    status: str
    amount: Decimal | None

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class DuesCalendar:
    membership: Membership
    year: int
    today: dt.date
    monthly_amount: Decimal
    months: list[MonthCell]
    unpaid: list[dt.date] = field(default_factory=list)  # required and unpaid months of the year, in order
    min_through: int | None = None
    max_through: int | None = None
    blocked_by_year: int | None = None

    @property
    def payable(self) -> dict | None:
        if self.min_through is None:
            return None
        return {"min_through": self.min_through, "max_through": self.max_through}


class Ledger:
    """The facts of one membership that decide which months are required (loaded once, used in Python)."""

    def __init__(self, membership: Membership, retentions: list[tuple[dt.date, dt.date | None]]):
        self.membership = membership
        self.start = membership.dues_start
        # Exempt from the month after retention until the month before restoration: [after, until).
        self.exempt = [
            (months.add_months(months.month_of(on), 1), months.month_of(back) if back else None)
            for on, back in retentions
        ]
        self.ended = None
        if membership.status in (MembershipStatus.WITHDRAWN, MembershipStatus.EXPELLED):
            self.ended = months.month_of(membership.status_changed_on or membership.joined_on)

    @classmethod
    def load(cls, membership: Membership) -> "Ledger":
        retentions = list(membership.retentions.values_list("retained_on", "restored_on"))
        return cls(membership, retentions)

    def required(self, month: dt.date) -> bool:
        if month < self.start or (self.ended is not None and month >= self.ended):
            return False
        return not any(after <= month and (until is None or month < until) for after, until in self.exempt)


def rate_for(year: int) -> Decimal:
    """The year's rate, else the latest earlier one (a year not yet set keeps the last known rate)."""
    rate = (
        DuesRate.objects.filter(year__lte=year)
        .order_by("-year")
        .values_list("monthly_amount", flat=True)
        .first()
    )
    if rate is None:
        rate = DuesRate.objects.order_by("year").values_list("monthly_amount", flat=True).first()
    return to_money(rate if rate is not None else settings.DUES_DEFAULT_MONTHLY_AMOUNT)


def dues_calendar(membership: Membership, year: int, today: dt.date) -> DuesCalendar:
    """The 12 months of `year` for a member on the business date `today` (SPEC §5), from three queries:
    retention periods, paid months up to the end of the year, and the rate."""
    ledger = Ledger.load(membership)
    year_start, year_end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    paid = dict(
        PaidMonth.objects.filter(
            membership=membership, month__gte=membership.dues_start, month__lt=year_end
        ).values_list("month", "amount")
    )
    rate = rate_for(year)
    current = months.month_of(today)
    window_end = min(months.add_months(current, WINDOW_AHEAD), dt.date(current.year, 12, 1))

    cells, unpaid = [], []
    for month in months.month_range(year_start, year_end):
        if month in paid:
            cells.append(MonthCell(month, MonthStatus.PAID, paid[month]))
            continue
        if not ledger.required(month):
            cells.append(MonthCell(month, MonthStatus.NOT_REQUIRED, None))
            continue
        unpaid.append(month)
        if month <= current:
            status = MonthStatus.DUE
        elif month <= window_end:
            status = MonthStatus.PAYABLE
        else:
            status = MonthStatus.NOT_OPEN
        cells.append(MonthCell(month, status, rate))

    calendar = DuesCalendar(
        membership=membership, year=year, today=today, monthly_amount=rate, months=cells, unpaid=unpaid
    )
    for month in months.month_range(membership.dues_start, year_start):
        if month not in paid and ledger.required(month):
            calendar.blocked_by_year = month.year
            break
    can_pay = membership.status == MembershipStatus.ACTIVE and membership.dues_mode == DuesMode.SELF_PAY
    if can_pay and calendar.blocked_by_year is None and unpaid:
        if year < current.year:
            calendar.min_through = calendar.max_through = unpaid[-1].month
        elif year == current.year and unpaid[0] <= window_end:
            calendar.min_through = max(current, unpaid[0]).month
            calendar.max_through = window_end.month
    return calendar


def payment_history(membership: Membership) -> QuerySet[PaymentOrder]:
    return (
        PaymentOrder.objects.filter(membership=membership)
        .exclude(
            status__in=[
                PaymentOrder.Status.CANCELLED,
                PaymentOrder.Status.SUPERSEDED,
                PaymentOrder.Status.EXPIRED,
            ]
        )
        .order_by("-created_at", "-pk")
    )


def payroll_months(membership: Membership) -> QuerySet[PaidMonth]:
    return PaidMonth.objects.filter(membership=membership, source=PaidMonth.Source.PAYROLL).order_by("-month")
