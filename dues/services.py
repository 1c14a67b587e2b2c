"""Writes and rules of the dues ledger (SPEC §5): payments, crediting, payroll and unit payments, arrears."""

import datetime as dt
import logging
import secrets
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dues import selectors
from dues.models import PaidMonth, PaymentNotification, PaymentOrder
from dues.providers import NotificationRejected, VerifiedNotification, get_provider
from members.models import DuesMode, Membership, MembershipStatus, User
from unionhub import clock, months
from unionhub.errors import BusinessError
from unionhub.money import to_money

log = logging.getLogger(__name__)

MAX_EXTRA = Decimal("10000.00")


def order_no_new(today: dt.date) -> str:
    """22 characters of letters and digits (WeChat Pay accepts 6–32)."""
    return f"DU{today:%Y%m%d}{secrets.token_hex(6).upper()}"


def receipt_no_for(order: PaymentOrder) -> str:
    return f"R{order.year}{order.pk:010d}"


def _parse_extra(value) -> Decimal:
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
) -> PaymentOrder:
    """Open an order for the months of `year` from the earliest unpaid required month to `through_month`
    (rules 1–6 of SPEC §5). A member has at most one pending order: a new one supersedes the old."""
    if membership is None or membership.status != MembershipStatus.ACTIVE:
        raise BusinessError("membership_inactive", _("会籍状态不是正常，不能缴费。"))
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != MembershipStatus.ACTIVE:
        raise BusinessError("membership_inactive", _("会籍状态不是正常，不能缴费。"))
    if membership.dues_mode != DuesMode.SELF_PAY:
        raise BusinessError("not_self_pay", _("您的会费由工资代扣或单位统一缴纳，无需自行缴费。"))
    extra = _parse_extra(extra_amount)
    if not 1 <= int(through_month) <= 12:
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
        created_by=actor,
    )
    order.provider_ref = provider.create_order(order)[:500]
    order.save(update_fields=["provider_ref"])
    return order


def notification_record(*, provider: str, headers: dict, body: bytes) -> PaymentNotification:
    """Store the notification as received, before anything else happens (autocommitted on its own)."""
    kept = {k: v for k, v in headers.items() if k.lower().startswith(("wechatpay", "x-sandbox"))}
    return PaymentNotification.objects.create(
        provider=provider, headers=kept, raw_body=body.decode("utf-8", errors="replace")[:20000]
    )


def _notification_finish(
    notification, outcome: str, reason: str = "", data: VerifiedNotification | None = None
):
    if notification is None:
        return
    notification.outcome, notification.reason = outcome, reason[:200]
    notification.verified = data is not None
    if data is not None:
        notification.order_no, notification.transaction_id = data.order_no[:64], data.transaction_id
    notification.save(update_fields=["outcome", "reason", "verified", "order_no", "transaction_id"])


def payment_notification_handle(*, provider_name: str, headers: dict, body: bytes) -> str:
    """Verify and act on one provider notification. Returns the outcome; raises NotificationRejected
    (the caller answers 400) when nothing may be credited."""
    notification = notification_record(provider=provider_name, headers=headers, body=body)
    provider = get_provider(provider_name)
    try:
        data = provider.verify_notification(headers=headers, body=body)
    except NotificationRejected as exc:
        _notification_finish(notification, PaymentNotification.Outcome.REJECTED, exc.reason)
        log.warning("payment notification rejected (%s): %s", provider_name, exc.reason)
        raise
    try:
        outcome = payment_confirm(data=data, provider_name=provider_name)
    except NotificationRejected as exc:
        _notification_finish(notification, PaymentNotification.Outcome.REJECTED, exc.reason, data)
        raise
    _notification_finish(notification, outcome, "", data)
    return outcome


def payment_confirm(*, data: VerifiedNotification, provider_name: str) -> str:
    """Credit a verified payment exactly once. Idempotent on the order and on the transaction id:
    a duplicate changes nothing; a late payment for an expired or superseded order is credited if its months
    are still unpaid, otherwise the order waits for a refund (shown to staff)."""
    Outcome = PaymentNotification.Outcome
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return _payment_confirm_locked(data, provider_name)
        except IntegrityError:
            # a concurrent transaction credited the same transaction id first: look again
            continue
    return Outcome.DUPLICATE


def _payment_confirm_locked(data: VerifiedNotification, provider_name: str) -> str:
    Outcome, Status = PaymentNotification.Outcome, PaymentOrder.Status
    order = PaymentOrder.objects.select_for_update().filter(order_no=data.order_no).first()
    if order is None or order.provider != provider_name:
        raise NotificationRejected("unknown order")
    if data.amount != order.total_amount:
        raise NotificationRejected("amount mismatch")
    if order.transaction_id:
        if order.transaction_id == data.transaction_id:
            return Outcome.DUPLICATE
        # paid twice for one order (two transactions): the second needs a refund; keep it on record
        log.warning("order %s paid twice (second transaction needs refund)", order.order_no)
        return Outcome.REFUND
    if PaymentOrder.objects.filter(transaction_id=data.transaction_id).exists():
        return Outcome.DUPLICATE
    # Serialise credits per member: two orders of one member can be confirmed at the same time.
    membership = Membership.objects.select_for_update().get(pk=order.membership_id)
    wanted = [months.parse_month(m) for m in order.month_list]
    taken = PaidMonth.objects.filter(membership=membership, month__in=wanted).exists()
    order.transaction_id, order.paid_at = data.transaction_id, data.paid_at
    if taken:
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


def payment_reconcile(*, now: dt.datetime | None = None, ttl_minutes: int | None = None) -> dict:
    """Ask the provider about pending orders: credit those paid, expire those older than the TTL."""
    from django.conf import settings
    from django.utils import timezone

    now = now or timezone.now()
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
            counts["expired"] += PaymentOrder.objects.filter(
                pk=order.pk, status=PaymentOrder.Status.PENDING
            ).update(status=PaymentOrder.Status.EXPIRED)
    return counts


@transaction.atomic
def refund_mark_done(*, order_id: int, actor: User, note: str = "") -> PaymentOrder:
    order = PaymentOrder.objects.select_for_update().get(pk=order_id)
    if order.status != PaymentOrder.Status.REFUND_PENDING:
        raise BusinessError("not_refund_pending", _("该订单不在待退款状态。"))
    order.status = PaymentOrder.Status.REFUNDED
    order.note = (note or _("已退款"))[:200]
    order.save(update_fields=["status", "note", "updated_at"])
    from unionhub.audit import audit_record

    audit_record(actor=actor, action="dues_refund_done", obj=order)
    return order


# --- Arrears (欠费) -------------------------------------------------------------------------------------------

REMINDER_AT, FINAL_AT = 3, 6


def _index_month(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


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

ARREARS_SQL = """
WITH runs AS MATERIALIZED (
    SELECT m.id, m.dues_mode, m.person_id,
           {GREATEST}({MI_joined}, {MI_start},
                      COALESCE((SELECT {MI_month} FROM dues_paidmonth p
                                WHERE p.membership_id = m.id AND p.month < %s
                                ORDER BY p.month DESC LIMIT 1) + 1, 0)) AS run_start
    FROM members_membership m
    WHERE m.status = 'active' {one_member}
), counted AS MATERIALIZED (
    SELECT r.id, r.dues_mode, r.person_id, r.run_start,
           (%s - r.run_start) - COALESCE((
               SELECT SUM({GREATEST}(0, {LEAST}(COALESCE({MI_restored}, %s), %s)
                                        - {GREATEST}({MI_retained} + 1, r.run_start)))
               FROM members_retentionperiod rp WHERE rp.membership_id = r.id), 0) AS unpaid
    FROM runs r
    WHERE r.run_start <= %s
)
SELECT c.id, c.dues_mode, c.unpaid, c.run_start,
       (SELECT u.id FROM members_user u WHERE u.person_id = c.person_id)
FROM counted c
WHERE c.unpaid >= %s
ORDER BY c.id
"""


def arrears_rows(today: dt.date, *, at_least: int = 1, membership_id: int | None = None) -> list[tuple]:
    """(membership id, dues mode, unpaid months, run start as a month index, user id) of every active membership
    with at least `at_least` consecutive unpaid required months before the current month.

    One statement over all members (PostgreSQL or SQLite). For each membership: the last paid month before the
    current one (an index-only lookup on the unique (membership, month) index), the run starting after it but never
    before the join month (back dues from before joining never count) nor the dues start; then, only for runs long
    enough to matter, the retained months inside the run are subtracted (exempt months neither count nor break the
    run). The CTEs are materialised so the correlated lookup runs once per membership."""
    from django.db import connection

    mi, greatest, least = _SQL_DIALECT["postgresql" if connection.vendor == "postgresql" else "sqlite"]
    sql = ARREARS_SQL.format(
        GREATEST=greatest,
        LEAST=least,
        MI_joined=mi.format("m.joined_on"),
        MI_start=mi.format("m.dues_start"),
        MI_month=mi.format("p.month"),
        MI_restored=mi.format("rp.restored_on"),
        MI_retained=mi.format("rp.retained_on"),
        one_member="AND m.id = %s" if membership_id else "",
    )
    current = today.year * 12 + today.month - 1
    params = [months.month_of(today)] + ([membership_id] if membership_id else [])
    params += [current, current, current, current - at_least, at_least]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def dues_sweep(*, today: dt.date | None = None) -> dict:
    """The daily arrears sweep (SPEC §5): reminder at 3 unpaid months, final warning at 6, automatic withdrawal
    above 6 for self-pay members; payroll and unit-paid arrears go to the staff report (ArrearsEntry)."""
    from dues.models import ArrearsEntry

    today = today or clock.today()
    rows = arrears_rows(today, at_least=REMINDER_AT)
    counts = {"reminded": 0, "warned": 0, "withdrawn": 0, "reported": 0}
    entries, notices = [], []
    for pk, mode, unpaid, run_start, user_id in rows:
        if mode != DuesMode.SELF_PAY:
            action = "staff_report"
            counts["reported"] += 1
        elif unpaid > FINAL_AT:
            action = "auto_withdraw"
            counts["withdrawn"] += _arrears_withdraw(pk, unpaid, today)
        else:
            action = "final_warning" if unpaid == FINAL_AT else "reminder"
            if user_id is not None:
                notices.append((user_id, pk, unpaid, action == "final_warning"))
        entries.append(
            ArrearsEntry(
                membership_id=pk,
                unpaid_months=unpaid,
                first_unpaid_month=_index_month(run_start),
                dues_mode=mode,
                action=action,
                as_of=today,
            )
        )
    sent = _arrears_notify(notices, today)
    counts["warned"], counts["reminded"] = sent[True], sent[False]
    with transaction.atomic():
        ArrearsEntry.objects.all().delete()
        ArrearsEntry.objects.bulk_create(entries, batch_size=5000)
    counts["in_arrears"] = len(entries)
    return counts


def _arrears_notify(notices: list[tuple[int, int, int, bool]], today: dt.date) -> dict[bool, int]:
    """Reminders and final warnings for the whole sweep in bulk, through the notification outbox: an in-site
    message (delivered at once) and an SMS (left pending for unionhub.tasks.outbox_deliver_pending). The dedupe
    keys follow unionhub.notify.notify, so each member gets each kind of notice at most once a month."""
    from django.utils import timezone

    from unionhub.models import OutboxMessage

    month = months.format_month(today)
    sent = {True: 0, False: 0}
    now = timezone.now()
    for start in range(0, len(notices), 5000):
        batch = notices[start : start + 5000]
        keyed = [
            (f"dues-{'final' if final else 'reminder'}:{pk}:{month}", user_id, unpaid, final)
            for user_id, pk, unpaid, final in batch
        ]
        existing = set(
            OutboxMessage.objects.filter(dedupe_key__in=[f"{k}:inbox" for k, *_ in keyed]).values_list(
                "dedupe_key", flat=True
            )
        )
        messages = []
        for key, user_id, unpaid, final in keyed:
            if f"{key}:inbox" in existing:
                continue
            sent[final] += 1
            if final:
                subject = _("会费欠缴最后提醒")
                body = _("您已连续%(n)s个月未缴纳工会会费。连续欠费超过6个月将视为自动退会，请尽快补缴。")
            else:
                subject = _("会费欠缴提醒")
                body = _("您已连续%(n)s个月未缴纳工会会费，请及时补缴。")
            common = {
                "recipient_id": user_id,
                "template": "dues_final" if final else "dues_reminder",
                "subject": subject,
                "body": body % {"n": unpaid},
            }
            messages.append(
                OutboxMessage(
                    channel=OutboxMessage.Channel.INBOX,
                    dedupe_key=f"{key}:inbox",
                    status=OutboxMessage.Status.SENT,
                    sent_at=now,
                    **common,
                )
            )
            messages.append(
                OutboxMessage(
                    channel=OutboxMessage.Channel.SMS,
                    dedupe_key=f"{key}:sms",
                    status=OutboxMessage.Status.PENDING,
                    **common,
                )
            )
        OutboxMessage.objects.bulk_create(messages, batch_size=5000, ignore_conflicts=True)
    return sent


def _arrears_withdraw(membership_id: int, unpaid: int, today: dt.date) -> int:
    from members.services import membership_auto_withdraw

    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(pk=membership_id, status=MembershipStatus.ACTIVE, dues_mode=DuesMode.SELF_PAY)
            .first()
        )
        if membership is None:
            return 0
        # look again under the lock: a payment may have arrived since the sweep's read
        recheck = arrears_rows(today, at_least=FINAL_AT + 1, membership_id=membership_id)
        if not recheck:
            return 0
        _pk, _mode, unpaid, run_start, _user = recheck[0]
        ledger = selectors.Ledger.load(membership)
        unpaid_list = [
            months.format_month(m)
            for m in months.month_range(_index_month(run_start), months.month_of(today))
            if ledger.required(m)
        ]
        reason = _("连续欠缴会费%(n)s个月（超过6个月），自动退会") % {"n": unpaid}
        membership_auto_withdraw(
            membership=membership,
            reason=reason,
            on=today,
            detail={"unpaid_months": unpaid, "months": unpaid_list},
        )
        PaymentOrder.objects.filter(membership=membership, status=PaymentOrder.Status.PENDING).update(
            status=PaymentOrder.Status.CANCELLED
        )
        user = User.objects.filter(person_id=membership.person_id).first()
    if user is not None:
        from unionhub.notify import notify

        notify(
            recipient=user,
            template="dues_auto_withdraw",
            subject=_("自动退会通知"),
            body=_("因连续欠缴会费超过6个月，您的会籍已按规定自动退会。如有疑问请联系所在工会。"),
            dedupe_key=f"dues-withdraw:{membership_id}:{months.format_month(today)}",
        )
    return 1


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
    from members import selectors as member_selectors

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
    from unionhub.audit import audit_record

    audit_record(actor=actor, action="dues_unit_payment", year=year, orders=len(orders))
    return orders
