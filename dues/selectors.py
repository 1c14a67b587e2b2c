"""Reads of the dues ledger: the month calendar (a fixed handful of queries whatever the history), histories."""

import datetime as dt
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dues.models import ArrearsEntry, DuesRate, PaidMonth, PayChannel, PaymentOrder
from members.models import DuesMode, Membership, MembershipStatus, Union
from security.wechat_bindings import wechat_openid
from unionhub.lib import months
from unionhub.lib.errors import BusinessError
from unionhub.lib.money import to_money


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
        """The membership's retention periods are looked up unless it was read with `has_retentions` false
        (members.selectors.membership_current)."""
        if getattr(membership, "has_retentions", True):
            retentions = list(membership.retentions.values_list("retained_on", "restored_on"))
        else:
            retentions = []
        return cls(membership, retentions)

    def required(self, month: dt.date) -> bool:
        if month < self.start or (self.ended is not None and month >= self.ended):
            return False
        return not any(after <= month and (until is None or month < until) for after, until in self.exempt)


RATE_CACHE_VERSION_KEY = "dues-rate-version"


def rate_for(year: int) -> Decimal:
    """The year's rate, else the latest earlier one (a year not yet set keeps the last known rate).

    Cached (rates change a few times a year; every write of a rate bumps the cache version: dues.signals)."""
    # a fresh version is never one used before (after a cache outage the key is dropped and started again)
    version = cache.get_or_set(RATE_CACHE_VERSION_KEY, time.time_ns, None)
    key = f"dues-rate:{version}:{year}"
    cached = cache.get(key)
    if cached is not None:
        return to_money(cached)
    rate = _rate_from_db(year)
    cache.set(key, str(rate), 3600)
    return rate


def rate_cache_clear() -> None:
    try:
        cache.incr(RATE_CACHE_VERSION_KEY)
    except ValueError:
        cache.set(RATE_CACHE_VERSION_KEY, time.time_ns(), None)


def _rate_from_db(year: int) -> Decimal:
    """One query: the latest rate of `year` or before, else the earliest rate of a later year."""
    set_by_then = Q(year__lte=year)
    rate = (
        DuesRate.objects.order_by(
            Case(When(set_by_then, then=Value(0)), default=Value(1)),
            Case(When(set_by_then, then=-F("year")), default=F("year"), output_field=IntegerField()),
        )
        .values_list("monthly_amount", flat=True)
        .first()
    )
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


_SQL_DIALECT = {
    # month index (year × 12 + month − 1) of a date column, and the two-or-more-argument max / min
    "postgresql": (
        "(EXTRACT(YEAR FROM {0})::int * 12 + EXTRACT(MONTH FROM {0})::int - 1)",
        "GREATEST",
        "LEAST",
    ),
    "sqlite": (
        "(CAST(strftime('%%Y', {0}) AS INTEGER) * 12 + CAST(strftime('%%m', {0}) AS INTEGER) - 1)",
        "MAX",
        "MIN",
    ),
}


def sql_for(template: str, *, columns: dict[str, str], **extra: str) -> str:
    """`template` for this connection's database: {GREATEST}, {LEAST}, and {MI_<name>}, the month index of each of
    `columns` ({name: column})."""
    mi, greatest, least = _SQL_DIALECT["postgresql" if connection.vendor == "postgresql" else "sqlite"]
    indexes = {f"MI_{name}": mi.format(column) for name, column in columns.items()}
    return template.format(GREATEST=greatest, LEAST=least, **indexes, **extra)


DASHBOARD_MONTHS = 12

COLLECTION_SQL = """
WITH spans AS MATERIALIZED (
    SELECT m.id,
           {GREATEST}({MI_start}, %s) AS lo,
           CASE WHEN m.status IN ('withdrawn', 'expelled')
                THEN {LEAST}(COALESCE({MI_changed}, {MI_joined}), %s) ELSE %s END AS hi
    FROM members_membership m
    JOIN members_union u ON u.id = m.union_id
    WHERE u.path LIKE %s AND m.dues_start < %s
)
SELECT
    (SELECT COALESCE(SUM(s.hi - s.lo), 0) FROM spans s WHERE s.hi > s.lo)
    - (SELECT COALESCE(SUM({GREATEST}(0, {LEAST}(COALESCE({MI_restored}, s.hi), s.hi)
                                         - {GREATEST}({MI_retained} + 1, s.lo))), 0)
       FROM spans s JOIN members_retentionperiod rp ON rp.membership_id = s.id
       WHERE s.hi > s.lo),
    (SELECT COUNT(*) FROM dues_paidmonth p JOIN spans s ON s.id = p.membership_id
     WHERE p.month >= %s AND p.month < %s
       AND {MI_month} >= s.lo AND {MI_month} < s.hi
       AND NOT EXISTS (SELECT 1 FROM members_retentionperiod rp
                       WHERE rp.membership_id = s.id AND {MI_month} > {MI_retained}
                         AND (rp.restored_on IS NULL OR {MI_month} < {MI_restored})))
"""


def collection_counts(*, union: Union, today: dt.date) -> tuple[int, int]:
    """(paid required months, required months) of the members of `union`'s subtree, from January of the business
    year through the current month. One statement, whatever the number of members: per membership the span
    [max(dues start, January), min(current month + 1, month of withdrawal or expulsion)) less its retained months
    (the same rule as Ledger.required and the arrears sweep), and the paid months inside those required months."""
    sql = sql_for(
        COLLECTION_SQL,
        columns={
            "start": "m.dues_start",
            "changed": "m.status_changed_on",
            "joined": "m.joined_on",
            "restored": "rp.restored_on",
            "retained": "rp.retained_on",
            "month": "p.month",
        },
    )
    current = months.month_of(today)
    year_start, end = dt.date(today.year, 1, 1), months.add_months(current, 1)
    jan, hi = today.year * 12, today.year * 12 + today.month  # hi: the month after the current one
    params = [jan, hi, hi, f"{union.path}%", end, year_start, end]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        required, paid = cursor.fetchone()
    return int(paid or 0), int(required or 0)


def collected_per_month(*, union: Union, first: dt.date, end: dt.date) -> dict[dt.date, Decimal]:
    """Dues and voluntary extras collected for the ledger months [first, end) in `union`'s subtree: the amounts of
    the paid months by month, plus each paid order's extra amount in the order's first month."""
    in_scope = Q(membership__union__path__startswith=union.path)
    totals: dict[dt.date, Decimal] = {}
    dues = (
        PaidMonth.objects.filter(in_scope, month__gte=first, month__lt=end)
        .values("month")
        .annotate(total=Sum("amount"))
        .values_list("month", "total")
    )
    extras = (
        PaymentOrder.objects.filter(
            in_scope,
            status=PaymentOrder.Status.PAID,
            extra_amount__gt=0,
            first_month__gte=first,
            first_month__lt=end,
        )
        .values("first_month")
        .annotate(total=Sum("extra_amount"))
        .values_list("first_month", "total")
    )
    for month, amount in [*dues, *extras]:
        totals[month] = totals.get(month, Decimal("0.00")) + amount
    return {month: to_money(amount) for month, amount in totals.items()}


ARREARS_BUCKETS = [("3-5", 3, 5), ("6", 6, 6), (">6", 7, None)]


def arrears_counts(*, union: Union) -> tuple[dict[str, int], dt.date | None]:
    """Members of `union`'s subtree on the latest sweep's arrears list (ArrearsEntry: three or more consecutive
    unpaid required months), by length of the run; and the sweep's business date."""
    entries = ArrearsEntry.objects.filter(membership__union__path__startswith=union.path)
    aggregates = {
        label: Count("pk", filter=Q(unpaid_months__gte=low) & (Q(unpaid_months__lte=high) if high else Q()))
        for label, low, high in ARREARS_BUCKETS
    }
    counts = entries.aggregate(**aggregates)
    as_of = ArrearsEntry.objects.order_by("-as_of").values_list("as_of", flat=True).first()
    return {label: counts[label] or 0 for label, _low, _high in ARREARS_BUCKETS}, as_of


def dashboard_figures(*, union: Union, today: dt.date) -> dict:
    """The dues panel of the statistics dashboard (datawork.stats): collected per month for the twelve months up to
    the current one, the collection rate of the business year so far, and the arrears list by length."""
    end = months.add_months(months.month_of(today), 1)
    labels = months.month_range(months.add_months(end, -DASHBOARD_MONTHS), end)
    collected = collected_per_month(union=union, first=labels[0], end=end)
    paid, required = collection_counts(union=union, today=today)
    arrears, as_of = arrears_counts(union=union)
    return {
        "per_month": [(months.format_month(m), collected.get(m, Decimal("0.00"))) for m in labels],
        "collection_rate": (Decimal(paid) / Decimal(required)).quantize(Decimal("0.0001"))
        if required
        else None,
        "collection": {"paid_months": paid, "required_months": required},
        "arrears": arrears,
        "arrears_as_of": as_of,
    }


# --- pay channel (SPEC §9: paying on a phone) ------------------------------------------------------------------

AUTO = "auto"
MOBILE_MARKERS = ("android", "iphone", "ipad", "ipod", "mobile", "harmonyos")


@dataclass(frozen=True)
class PayChannelChoice:
    channel: str
    app_id: str = (
        ""  # the WeChat app the openid belongs to (jsapi: Official Account, miniprogram: mini-program)
    )
    openid: str = ""
    # inside WeChat without a bound Official Account openid: paid by Native QR, unless the page binds first
    unbound_in_wechat: bool = False


def channel_app_id(channel: str) -> str:
    """The appid an order of this channel is made in: the Official Account's (JSAPI) or the mini-program's; native
    and H5 orders use the merchant's own appid (WECHATPAY_APPID)."""
    if channel == PayChannel.JSAPI:
        return settings.UNIONHUB_WECHAT_OFFICIAL_APPID or ""
    if channel == PayChannel.MINIPROGRAM:
        return settings.UNIONHUB_WECHAT_MINIPROGRAM_APPID or ""
    return (settings.WECHATPAY or {}).get("APPID") or ""


def pay_channel(*, requested: str, user_agent: str, user) -> PayChannelChoice:
    """The WeChat Pay product for this payer. An explicit channel is taken as asked (400 `wechat_not_bound` when it
    needs an openid the account has not bound); `auto` reads the user agent:

    - the mini-program's web-view (`miniProgram` in the agent) → miniprogram, with the mini-program openid;
    - inside WeChat (`MicroMessenger`) with a bound Official Account openid → jsapi;
    - inside WeChat without one → native (WeChat Pay refuses H5 inside WeChat); `unbound_in_wechat` tells the page
      it may bind the openid through the Official Account OAuth first;
    - a phone browser → h5; anything else (a desktop) → native."""
    ua = (user_agent or "").lower()
    channel = requested or AUTO
    if channel == AUTO:
        if "miniprogram" in ua:
            channel = PayChannel.MINIPROGRAM
        elif "micromessenger" in ua:
            app_id = channel_app_id(PayChannel.JSAPI)
            openid = wechat_openid(user, app_id)
            if openid:
                return PayChannelChoice(PayChannel.JSAPI, app_id=app_id, openid=openid)
            return PayChannelChoice(PayChannel.NATIVE, unbound_in_wechat=True)
        elif any(marker in ua for marker in MOBILE_MARKERS):
            channel = PayChannel.H5
        else:
            channel = PayChannel.NATIVE
    if channel in (PayChannel.JSAPI, PayChannel.MINIPROGRAM):
        app_id = channel_app_id(channel)
        openid = wechat_openid(user, app_id)
        if not openid:
            if channel == PayChannel.JSAPI:
                detail = gettext("微信内支付需要先在公众号中绑定本账号的微信。")
            else:
                detail = gettext("小程序支付需要先在小程序中绑定本账号的微信。")
            raise BusinessError("wechat_not_bound", detail)
        return PayChannelChoice(channel, app_id=app_id, openid=openid)
    return PayChannelChoice(channel)
