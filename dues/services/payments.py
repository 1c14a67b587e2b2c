"""Payments (SPEC §5 rules 1–6), crediting from provider notifications, unit payments, refunds."""

import datetime as dt
import logging
import re
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from dues import selectors
from dues.models import PaidMonth, PayChannel, PaymentNotification, PaymentOrder
from dues.providers import NotificationRejected, PayRequest, VerifiedNotification, get_provider
from members import selectors as member_selectors
from members.models import DuesMode, Membership, MembershipStatus, User
from unionhub.audit import audit_record
from unionhub.lib import clock, months
from unionhub.lib.errors import BusinessError
from unionhub.lib.money import to_money

log = logging.getLogger(__name__)

MAX_EXTRA = Decimal("10000.00")


class PaymentUnavailable(BusinessError):
    """The payment provider could not open the order: 503, and the transaction is rolled back."""

    status_code = 503

    def __init__(self):
        super().__init__("payment_unavailable", _("支付服务暂时不可用，请稍后再试。"))


def order_no_new(today: dt.date) -> str:
    """22 characters of letters and digits (WeChat Pay accepts 6–32)."""
    return f"DU{today:%Y%m%d}{secrets.token_hex(6).upper()}"


def receipt_no_for(order: PaymentOrder) -> str:
    return f"R{order.year}{order.pk:010d}"


def parse_extra_amount(value) -> Decimal:
    """The voluntary extra as money, or BusinessError invalid_extra (the API's and the pay page's message)."""
    if value in (None, ""):
        return Decimal("0.00")
    try:
        if isinstance(value, float):
            value = repr(value)
        amount = Decimal(str(value).strip())
    except ArithmeticError as exc:
        raise BusinessError("invalid_extra", _("自愿多交金额应为不小于0的金额。")) from exc
    if (
        not amount.is_finite()
        or amount < 0
        or amount > MAX_EXTRA
        or amount != amount.quantize(Decimal("0.01"))
    ):
        raise BusinessError("invalid_extra", _("自愿多交金额应为不小于0、最多两位小数的金额。"))
    return to_money(amount)


@transaction.atomic
def dues_payment_create(
    *,
    membership: Membership | None,
    year: int,
    through_month: int,
    extra_amount,
    actor: User | None = None,
    provider_name: str | None = None,
    channel: selectors.PayChannelChoice | None = None,
    client_ip: str = "",
    site_url: str = "",
) -> PaymentOrder:
    """Open an order for the months of `year` from the earliest unpaid required month to `through_month`
    (rules 1–6 of SPEC §5). A member has at most one pending order: a new one supersedes the old.

    `channel` (dues.selectors.pay_channel) says how it is paid, Native QR when not given; an H5 order needs the
    payer's `client_ip`, and returns the payer to the order page under `site_url` (SITE_URL when set)."""
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        raise BusinessError("membership_inactive", _("会籍状态不是正常，不能缴费。"))
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != MembershipStatus.ACTIVE:
        raise BusinessError("membership_inactive", _("会籍状态不是正常，不能缴费。"))
    if membership.dues_mode != DuesMode.SELF_PAY:
        raise BusinessError("not_self_pay", _("您的会费由工资代扣或单位统一缴纳，无需自行缴费。"))
    extra = parse_extra_amount(extra_amount)
    through_month = int(through_month)
    if not 1 <= through_month <= 12:
        raise BusinessError("beyond_window", _("缴费截止月份不正确。"))
    today = clock.today()
    if year > today.year:
        raise BusinessError("beyond_window", _("不允许预缴下一年度的会费。"))
    calendar = selectors.dues_calendar(membership, year, today)
    if calendar.blocked_by_year is not None:
        raise BusinessError(
            "previous_year_arrears", _("请先缴纳%(year)s年度所欠会费。") % {"year": calendar.blocked_by_year}
        )
    if not calendar.unpaid:
        raise BusinessError("nothing_payable", _("该年度没有需要缴纳的会费。"))
    if calendar.min_through is None:  # this year's unpaid months all lie beyond the window
        raise BusinessError("beyond_window", _("最多可预缴至本年度当月起5个月，且不允许跨年度缴费。"))
    if through_month < calendar.min_through:
        if year < today.year:
            detail = _("往年欠费须一次缴清该年度全部欠缴月份（至%(m)s月）。")
        else:
            detail = _("本次缴费至少应缴至%(m)s月（含全部待缴月份）。")
        raise BusinessError("below_minimum", detail % {"m": calendar.min_through})
    if through_month > calendar.max_through:
        raise BusinessError("beyond_window", _("本次缴费最多可缴至%(m)s月。") % {"m": calendar.max_through})

    through = dt.date(year, through_month, 1)
    covered = [m for m in calendar.unpaid if m <= through]
    dues_amount = to_money(calendar.monthly_amount * len(covered))
    PaymentOrder.objects.filter(membership=membership, status=PaymentOrder.Status.PENDING).update(
        status=PaymentOrder.Status.SUPERSEDED
    )
    provider = get_provider(provider_name)
    channel = channel or selectors.PayChannelChoice(PayChannel.NATIVE)
    order = PaymentOrder.objects.create(
        order_no=order_no_new(today),
        membership=membership,
        year=year,
        first_month=covered[0],
        last_month=covered[-1],
        month_list=[months.format_month(m) for m in covered],
        months_count=len(covered),
        dues_amount=dues_amount,
        extra_amount=extra,
        total_amount=dues_amount + extra,
        provider=provider.name,
        channel=channel.channel,
        created_by=actor,
    )
    base = (settings.SITE_URL or site_url or "").rstrip("/")
    request = PayRequest(
        channel=channel.channel,
        app_id=channel.app_id,
        openid=channel.openid,
        client_ip=client_ip,
        return_url=f"{base}{reverse('dues-order', args=[order.order_no])}?returned=1" if base else "",
    )
    try:
        opened = provider.create_order(order, request)
        if len(opened.pay_url) > PaymentOrder._meta.get_field("provider_ref").max_length:
            raise ValueError("pay URL too long to keep")
    except Exception as exc:  # the provider is down or refused: nothing is kept, the member may try again
        log.exception("payment provider %s could not open order %s", provider.name, order.order_no)
        raise PaymentUnavailable() from exc
    order.provider_ref = opened.pay_url
    order.pay_params = opened.pay_params or {}
    order.save(update_fields=["provider_ref", "pay_params"])
    return order


def _storable(text: str) -> str:
    """PostgreSQL text cannot hold NUL, nor UTF-8 a lone surrogate: both are kept as the replacement character."""
    return _UNSTORABLE.sub("\ufffd", text)


NOTIFICATION_BODY_CAP = 20000
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def notification_record(
    *,
    provider: str,
    headers: dict,
    body: bytes,
    outcome: str = "received",
    reason: str = "",
    data: VerifiedNotification | None = None,
) -> PaymentNotification:
    """Keep the notification as received (body capped), with what became of it."""
    kept = {
        _storable(str(k)): _storable(str(v))[:1000]
        for k, v in headers.items()
        if str(k).lower().startswith(("wechatpay", "x-sandbox"))
    }
    notification = PaymentNotification(
        provider=provider,
        headers=kept,
        raw_body=_storable(
            body[: NOTIFICATION_BODY_CAP * 4].decode("utf-8", errors="replace")[:NOTIFICATION_BODY_CAP]
        ),
        outcome=outcome,
    )
    _notification_note(notification, outcome=outcome, reason=reason, data=data)
    notification.save()
    return notification


def _notification_note(
    notification: PaymentNotification,
    *,
    outcome: str,
    reason: str = "",
    data: VerifiedNotification | None = None,
) -> None:
    notification.outcome = outcome
    notification.reason = _storable(reason)[:200]
    notification.verified = data is not None
    if data is not None:
        notification.order_no = _storable(data.order_no)[:64]
        notification.transaction_id = _storable(data.transaction_id)[:64]
        notification.provider_paid_at = _storable(data.paid_at_raw)[:64]


def _notification_update(notification: PaymentNotification, **note) -> None:
    _notification_note(notification, **note)
    notification.save(
        update_fields=["outcome", "reason", "verified", "order_no", "transaction_id", "provider_paid_at"]
    )


def payment_notification_handle(*, provider_name: str, headers: dict, body: bytes) -> str:
    """Verify and act on one provider notification. Returns the outcome; raises NotificationRejected
    (the caller answers in the provider's refusal format) when nothing may be credited.

    Every notification is kept: it is stored as received, in a commit of its own, before it is parsed; its outcome
    is written in the credit's transaction. If crediting fails (the database goes away, say) the record stays as
    `received` with the error, and the provider's resend is handled as a new notification."""
    Outcome = PaymentNotification.Outcome
    with transaction.atomic():
        notification = notification_record(provider=provider_name, headers=headers, body=body)
    provider = get_provider(provider_name)
    try:
        data = provider.verify_notification(headers=headers, body=body)
    except NotificationRejected as exc:
        _notification_update(notification, outcome=Outcome.REJECTED, reason=exc.reason)
        log.warning("payment notification rejected (%s): %s", provider_name, exc.reason)
        raise
    notes: list[str] = []
    try:
        with transaction.atomic():
            outcome = payment_confirm(data=data, provider_name=provider_name, notes=notes)
            _notification_update(notification, outcome=outcome, reason="; ".join(notes), data=data)
    except NotificationRejected as exc:
        _notification_update(notification, outcome=Outcome.REJECTED, reason=exc.reason, data=data)
        raise
    except Exception as exc:
        try:
            _notification_update(
                notification, outcome=Outcome.RECEIVED, reason=f"error: {type(exc).__name__}", data=data
            )
        except Exception:  # the database itself is failing: the record stored on arrival remains
            log.exception("could not note the failure on payment notification %s", notification.pk)
        raise
    return outcome


def paid_at_bounded(data: VerifiedNotification, order: PaymentOrder) -> tuple[dt.datetime, str]:
    """The provider's payment time if it is plausible for the order (aware, not before the order was opened less
    a day, not after now plus a day); otherwise the time we received it, and why."""
    from django.utils import timezone

    received = clock.now()
    paid_at = data.paid_at
    if paid_at is None:
        return received, "paid_at unreadable; receipt time used"
    if paid_at.tzinfo is None or paid_at.utcoffset() is None:
        return received, "paid_at without time zone; receipt time used"
    day = dt.timedelta(days=1)
    earliest = min(order.created_at, received) - day
    latest = max(timezone.now(), received) + day
    try:
        plausible = earliest <= paid_at <= latest
        if plausible:
            paid_at.astimezone(dt.UTC)  # representable in UTC (year 1 and 9999 with an offset are not)
    except (OverflowError, ValueError):
        plausible = False
    if not plausible:
        return received, "paid_at outside the order's window; receipt time used"
    return paid_at, ""


def payment_confirm(*, data: VerifiedNotification, provider_name: str, notes: list[str] | None = None) -> str:
    """Credit a verified payment exactly once. Idempotent on the order and on the transaction id:
    a duplicate changes nothing; a late payment for an expired or superseded order is credited if its months
    are still unpaid, otherwise the order waits for a refund (shown to staff). A second, different transaction for
    an order already paid opens a refund case of its own. What was corrected (the payment time) goes to `notes`."""
    Outcome = PaymentNotification.Outcome
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return _payment_confirm_locked(data, provider_name, notes if notes is not None else [])
        except IntegrityError:
            # a concurrent transaction credited the same transaction id first: look again
            continue
    return Outcome.DUPLICATE


def _payment_confirm_locked(data: VerifiedNotification, provider_name: str, notes: list[str]) -> str:
    Outcome, Status = PaymentNotification.Outcome, PaymentOrder.Status
    found = (
        PaymentOrder.objects.filter(order_no=data.order_no)
        .values_list("pk", "membership_id", "provider")
        .first()
    )
    if found is None or found[2] != provider_name:
        raise NotificationRejected("unknown order")
    # Locks are always taken member first, then orders (as dues_payment_create and the sweep do): two orders of
    # one member confirmed at the same time wait for each other instead of deadlocking.
    membership = Membership.objects.select_for_update().get(pk=found[1])
    order = PaymentOrder.objects.select_for_update().get(pk=found[0])
    if data.amount != order.total_amount:
        raise NotificationRejected("amount mismatch")
    if order.transaction_id == data.transaction_id:
        return Outcome.DUPLICATE
    if PaymentOrder.objects.filter(transaction_id=data.transaction_id).exists():
        return Outcome.DUPLICATE
    paid_at, correction = paid_at_bounded(data, order)
    if correction:
        notes.append(correction)
    if order.transaction_id:
        # paid twice for one order (two transactions): the second is a refund case for the union's staff
        log.warning("order %s paid twice (second transaction needs refund)", order.order_no)
        _refund_case_open(order, data, paid_at)
        return Outcome.REFUND
    wanted = [months.parse_month(m) for m in order.month_list]
    taken = PaidMonth.objects.filter(membership=membership, month__in=wanted).exists()
    # a withdrawn or expelled member owes nothing: money arriving late for their order is returned, not credited
    ended = membership.status in (MembershipStatus.WITHDRAWN, MembershipStatus.EXPELLED)
    order.transaction_id, order.paid_at = data.transaction_id, paid_at
    if taken or ended:
        order.status = Status.REFUND_PENDING
        order.save(update_fields=["status", "transaction_id", "paid_at", "updated_at"])
        return Outcome.REFUND
    per_month = to_money(order.dues_amount / order.months_count) if order.months_count else Decimal("0.00")
    PaidMonth.objects.bulk_create(
        [
            PaidMonth(
                membership=membership,
                month=m,
                amount=per_month,
                source=PaidMonth.Source.SELF_PAY,
                payment=order,
            )
            for m in wanted
        ]
    )
    order.status = Status.PAID
    order.receipt_no = receipt_no_for(order)
    order.save(update_fields=["status", "transaction_id", "paid_at", "receipt_no", "updated_at"])
    # Another open order of this member now overlaps paid months: it can no longer be paid as it stands.
    PaymentOrder.objects.filter(membership=membership, status=Status.PENDING).exclude(pk=order.pk).update(
        status=Status.SUPERSEDED
    )
    return Outcome.CREDITED


def _refund_case_open(order: PaymentOrder, data: VerifiedNotification, paid_at: dt.datetime) -> PaymentOrder:
    """A second transaction for an order already paid: an order of its own, waiting for a refund (待退款订单), with
    the amount, the transaction id and the member; nothing is credited. Its transaction id is unique, so the
    provider's resends find it and change nothing."""
    return PaymentOrder.objects.create(
        order_no=order_no_new(clock.today()),
        membership_id=order.membership_id,
        year=order.year,
        first_month=order.first_month,
        last_month=order.last_month,
        month_list=order.month_list,
        months_count=order.months_count,
        dues_amount=order.dues_amount,
        extra_amount=order.extra_amount,
        total_amount=data.amount,
        provider=order.provider,
        status=PaymentOrder.Status.REFUND_PENDING,
        transaction_id=data.transaction_id,
        paid_at=paid_at,
        note=f"重复支付：订单 {order.order_no} 已由另一笔交易支付"[:200],
    )


def payment_reconcile(*, now: dt.datetime | None = None, ttl_minutes: int | None = None) -> dict:
    """Ask the provider about pending orders: credit those paid, expire those older than the TTL."""
    now = now or clock.now()
    ttl = dt.timedelta(minutes=ttl_minutes if ttl_minutes is not None else settings.PAYMENT_ORDER_TTL_MINUTES)
    counts = {"credited": 0, "expired": 0}
    for order in PaymentOrder.objects.filter(status=PaymentOrder.Status.PENDING).order_by("pk")[:1000]:
        try:
            paid = get_provider(order.provider).query_order(order)
        except Exception:  # a provider outage must not stop the sweep; the next run asks again
            log.exception("order query failed for %s", order.order_no)
            paid = None
        if paid is not None:
            try:
                payment_confirm(data=paid, provider_name=order.provider)
                counts["credited"] += 1
            except NotificationRejected as exc:
                log.warning("reconcile: order %s not credited: %s", order.order_no, exc.reason)
            continue
        if order.created_at <= now - ttl:
            expired = PaymentOrder.objects.filter(pk=order.pk, status=PaymentOrder.Status.PENDING).update(
                status=PaymentOrder.Status.EXPIRED
            )
            counts["expired"] += expired
            if expired:
                try:
                    get_provider(order.provider).close_order(order)
                except Exception:  # closing is a courtesy: a late payment is credited or refunded anyway
                    log.exception("closing expired order %s failed", order.order_no)
    return counts


@transaction.atomic
def refund_mark_done(*, order_id: int, actor: User, note: str = "") -> PaymentOrder:
    order = PaymentOrder.objects.select_for_update().get(pk=order_id)
    if order.status != PaymentOrder.Status.REFUND_PENDING:
        raise BusinessError("not_refund_pending", _("该订单不在待退款状态。"))
    order.status = PaymentOrder.Status.REFUNDED
    order.note = (note or _("已退款"))[:200]
    order.save(update_fields=["status", "note", "updated_at"])
    audit_record(actor=actor, action="dues_refund_done", obj=order)
    return order


def paid_order_record(
    *,
    membership: Membership,
    month_list: list[dt.date],
    rate: Decimal,
    provider: str,
    source: str,
    paid_at: dt.datetime,
    actor: User | None = None,
    note: str = "",
    order_no: str | None = None,
    transaction_id: str | None = None,
) -> PaymentOrder:
    """A payment already made outside the online flow (a unit's bulk payment, a recorded past payment): the paid
    order with its receipt number and its months credited."""
    dues_amount = to_money(rate * len(month_list))
    order = PaymentOrder.objects.create(
        order_no=order_no or order_no_new(clock.today()),
        membership=membership,
        year=month_list[0].year,
        first_month=month_list[0],
        last_month=month_list[-1],
        month_list=[months.format_month(m) for m in month_list],
        months_count=len(month_list),
        dues_amount=dues_amount,
        extra_amount=Decimal("0.00"),
        total_amount=dues_amount,
        provider=provider,
        status=PaymentOrder.Status.PAID,
        transaction_id=transaction_id,
        paid_at=paid_at,
        created_by=actor,
        note=note[:200],
    )
    order.receipt_no = receipt_no_for(order)
    order.save(update_fields=["receipt_no"])
    PaidMonth.objects.bulk_create(
        [
            PaidMonth(membership=membership, month=m, amount=rate, source=source, payment=order)
            for m in month_list
        ]
    )
    return order


# --- Unit-paid (单位统一缴纳) ---------------------------------------------------------------------------------


@transaction.atomic
def unit_payment_record(
    *, actor: User, year: int, membership_ids: list[int], note: str = ""
) -> list[PaymentOrder]:
    """A union's bulk payment of a whole year for chosen unit-paid members in the actor's scope: each member gets
    a paid order with a receipt and the year's unpaid required months. Members already paid up are skipped."""
    memberships = list(
        Membership.objects.select_for_update()
        .filter(
            pk__in=membership_ids,
            dues_mode=DuesMode.UNIT_PAID,
            status__in=[MembershipStatus.ACTIVE, MembershipStatus.RETAINED],
        )
        .filter(member_selectors.scope_filter(actor, "union"))
    )
    if len(memberships) != len(set(membership_ids)):
        raise BusinessError("invalid_members", _("所选人员须为本单位范围内、单位统一缴纳方式的会员。"))
    today = clock.today()
    rate = selectors.rate_for(year)
    orders = []
    for membership in memberships:
        calendar = selectors.dues_calendar(membership, year, today)
        if not calendar.unpaid:
            continue
        order = paid_order_record(
            membership=membership,
            month_list=calendar.unpaid,
            rate=rate,
            provider="unit",
            source=PaidMonth.Source.UNIT,
            paid_at=clock.now(),
            actor=actor,
            note=note,
        )
        orders.append(order)
    audit_record(actor=actor, action="dues_unit_payment", year=year, orders=len(orders))
    return orders
