"""Demo city, part 4: dues. With UNIONHUB_TODAY=2025-04-15 the members below show the Tsinghua screens."""

import datetime as dt
from decimal import Decimal

from dues import imports, services
from dues.models import PaidMonth, PaymentOrder
from members import selectors as member_selectors
from members.demo import member
from members.models import DuesMode, Membership, RetentionPeriod
from unionhub import clock, months

RATE = Decimal("10.00")


def _paid(membership: Membership, first: str, last: str, *, monthly: bool = True) -> None:
    """Past self-pay payments (one order per month when paid monthly), each with its receipt."""
    span = months.month_range(months.parse_month(first), months.add_months(months.parse_month(last), 1))
    groups = [[m] for m in span] if monthly else [span]
    for group in groups:
        paid_at = dt.datetime(group[0].year, group[0].month, 5, 9, 30, tzinfo=clock.SHANGHAI)
        order = PaymentOrder.objects.create(
            order_no=f"DU{group[0]:%Y%m}DEMO{membership.pk:06d}",
            membership=membership,
            year=group[0].year,
            first_month=group[0],
            last_month=group[-1],
            month_list=[months.format_month(m) for m in group],
            months_count=len(group),
            dues_amount=RATE * len(group),
            extra_amount=Decimal("0.00"),
            total_amount=RATE * len(group),
            status=PaymentOrder.Status.PAID,
            provider="sandbox",
            transaction_id=f"SBXDEMO{membership.pk:06d}{group[0]:%Y%m}",
            paid_at=paid_at,
        )
        order.receipt_no = services.receipt_no_for(order)
        order.save(update_fields=["receipt_no"])
        PaidMonth.objects.bulk_create(
            [
                PaidMonth(
                    membership=membership,
                    month=m,
                    amount=RATE,
                    source=PaidMonth.Source.SELF_PAY,
                    payment=order,
                )
                for m in group
            ]
        )


def _history(membership: Membership, through: str) -> None:
    """Everything from the dues start through `through` paid, one order per year."""
    end = months.parse_month(through)
    year = membership.dues_start.year
    while dt.date(year, 1, 1) <= end:
        first = max(membership.dues_start, dt.date(year, 1, 1))
        last = min(end, dt.date(year, 12, 1))
        _paid(membership, months.format_month(first), months.format_month(last), monthly=False)
        year += 1


def _membership(ctx, key) -> Membership:
    return member_selectors.membership_open(ctx.people[key])


def build(ctx) -> None:
    energy = ctx.unions["power_energy"]
    workshop = ctx.unions["power_workshop"]
    unit = "宜昌电力设备有限公司"

    def joined(key, name, *, born, male, hire, join, union=energy, mode=DuesMode.SELF_PAY):
        member(
            ctx,
            key,
            name,
            born=born,
            male=male,
            hire_date=hire,
            unit=unit,
            union=union,
            dues_mode=mode,
            joined_on=join,
        )
        return _membership(ctx, key)

    # 示例1: Jan–Mar 2025 paid month by month; in April pays Apr–Aug plus ¥2 extra.
    m = joined(
        "dues_ex1",
        "陈一鸣",
        born=dt.date(1988, 2, 3),
        male=True,
        hire=dt.date(2020, 3, 1),
        join=dt.date(2020, 6, 1),
    )
    _history(m, "2024-12")
    _paid(m, "2025-01", "2025-03")
    # 示例2: forgot Feb–Mar: must pay Feb–Apr, may extend to Sep.
    m = joined(
        "dues_ex2",
        "刘二妹",
        born=dt.date(1992, 7, 9),
        male=False,
        hire=dt.date(2021, 1, 4),
        join=dt.date(2021, 3, 1),
    )
    _history(m, "2024-12")
    _paid(m, "2025-01", "2025-01")
    # 示例3: forgot 2024-11..2025-03: 2024 first (¥20), then 2025.
    m = joined(
        "dues_ex3",
        "张三丰",
        born=dt.date(1985, 11, 30),
        male=True,
        hire=dt.date(2019, 5, 6),
        join=dt.date(2023, 5, 10),
    )
    _history(m, "2024-10")
    # 示例4: hired 2025-02, joined 2025-04 → dues from February.
    joined(
        "dues_ex4",
        "清小极",
        born=dt.date(2000, 5, 20),
        male=True,
        hire=dt.date(2025, 2, 10),
        join=dt.date(2025, 4, 8),
    )
    # 示例5: hired 2023-10, joined 2025-04 → dues from January 2025.
    joined(
        "dues_ex5",
        "清小研",
        born=dt.date(1998, 10, 1),
        male=False,
        hire=dt.date(2023, 10, 9),
        join=dt.date(2025, 4, 9),
    )

    # Paid as far as the window allows (through September): nothing payable now.
    m = joined(
        "dues_ahead",
        "周全",
        born=dt.date(1990, 4, 4),
        male=True,
        hire=dt.date(2018, 1, 1),
        join=dt.date(2018, 2, 1),
    )
    _history(m, "2025-03")
    _paid(m, "2025-04", "2025-09", monthly=False)
    # December: paid through November; with UNIONHUB_TODAY=2025-12-10 the window stops at December.
    m = joined(
        "dues_december",
        "吴冬",
        born=dt.date(1987, 12, 12),
        male=False,
        hire=dt.date(2016, 1, 1),
        join=dt.date(2016, 3, 1),
    )
    _history(m, "2025-09")
    _paid(m, "2025-10", "2025-11", monthly=False)
    # Retained (unemployed) from 2025-01-10: February onwards is exempt.
    m = joined(
        "dues_retained",
        "郑保留",
        born=dt.date(1970, 8, 8),
        male=True,
        hire=dt.date(2010, 1, 1),
        join=dt.date(2010, 5, 1),
    )
    _history(m, "2025-01")
    from members import services as member_services

    member_services.membership_retain(
        membership_id=m.pk, actor=None, reason="unemployed", note="企业裁员，待业"
    )
    RetentionPeriod.objects.filter(membership=m).update(retained_on=dt.date(2025, 1, 10))
    # Arrears: six months unpaid (final warning) and seven (automatic withdrawal at the next sweep).
    m = joined(
        "dues_six",
        "王六月",
        born=dt.date(1993, 6, 6),
        male=True,
        hire=dt.date(2019, 1, 1),
        join=dt.date(2019, 2, 1),
    )
    _history(m, "2024-09")
    m = joined(
        "dues_seven",
        "赵七",
        born=dt.date(1991, 7, 7),
        male=False,
        hire=dt.date(2019, 1, 1),
        join=dt.date(2019, 2, 1),
    )
    _history(m, "2024-08")

    # Payroll: the deduction file for 2024-01..2025-03, imported by the company union.
    payroll = joined(
        "dues_payroll",
        "孙代扣",
        born=dt.date(1980, 1, 15),
        male=True,
        hire=dt.date(2012, 1, 1),
        join=dt.date(2024, 1, 5),
        union=workshop,
        mode=DuesMode.PAYROLL,
    )
    rows = []
    for key in ("dues_payroll", "zhang"):
        open_membership = _membership(ctx, key) if key in ctx.people else None
        if open_membership is not None and open_membership.dues_mode == DuesMode.PAYROLL:
            rows += [
                [ctx.people[key].id_number, m.year, m.month, "10.00"]
                for m in months.month_range(open_membership.dues_start, dt.date(2025, 4, 1))
            ]
    imports.payroll_import(actor=ctx.staff["power_staff"], rows=rows)
    assert payroll.paid_months.exists()
    # Unit-paid: the school union pays 2024 and 2025 for its unit-paid members in one go.
    school = ctx.unions.get("school")
    if school is not None and "school_staff" in ctx.staff:
        ids = list(
            Membership.objects.filter(union=school, dues_mode=DuesMode.UNIT_PAID).values_list("pk", flat=True)
        )
        for year in range(2018, 2026):
            services.unit_payment_record(
                actor=ctx.staff["school_staff"], year=year, membership_ids=ids, note="单位统一缴纳"
            )
