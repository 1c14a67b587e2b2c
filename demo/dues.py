"""Demo city, part 4: dues. With UNIONHUB_TODAY=2025-04-15 the members below show the Tsinghua screens."""

import datetime as dt
from decimal import Decimal

from demo.members import member
from dues import imports, services
from dues.models import PaidMonth
from members import selectors as member_selectors
from members import services as member_services
from members.models import DuesMode, Membership, RetentionPeriod
from unionhub.lib import clock, months

RATE = Decimal("10.00")


def _paid(membership: Membership, first: str, last: str, *, monthly: bool = True) -> None:
    """Past self-pay payments (one order per month when paid monthly), each with its receipt."""
    span = months.month_range(months.parse_month(first), months.add_months(months.parse_month(last), 1))
    for group in [[m] for m in span] if monthly else [span]:
        services.paid_order_record(
            membership=membership,
            month_list=group,
            rate=RATE,
            provider="sandbox",
            source=PaidMonth.Source.SELF_PAY,
            paid_at=dt.datetime(group[0].year, group[0].month, 5, 9, 30, tzinfo=clock.SHANGHAI),
            order_no=f"DU{group[0]:%Y%m}DEMO{membership.pk:06d}",
            transaction_id=f"SBXDEMO{membership.pk:06d}{group[0]:%Y%m}",
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


# (key, name, born, male, hired, joined, paid through (one order a year), then paid in these spans, situation)
SELF_PAY = [
    (
        "dues_ex1",
        "陈一鸣",
        "1988-02-03",
        True,
        "2020-03-01",
        "2020-06-01",
        "2024-12",
        [("2025-01", "2025-03", True)],
        "示例1: Jan–Mar paid month by month; in April pays Apr–Aug plus ¥2 extra",
    ),
    (
        "dues_ex2",
        "刘二妹",
        "1992-07-09",
        False,
        "2021-01-04",
        "2021-03-01",
        "2024-12",
        [("2025-01", "2025-01", True)],
        "示例2: forgot Feb–Mar: must pay Feb–Apr, may extend to Sep",
    ),
    (
        "dues_ex3",
        "张三丰",
        "1985-11-30",
        True,
        "2019-05-06",
        "2023-05-10",
        "2024-10",
        [],
        "示例3: forgot 2024-11..2025-03: 2024 first (¥20), then 2025",
    ),
    (
        "dues_ex4",
        "清小极",
        "2000-05-20",
        True,
        "2025-02-10",
        "2025-04-08",
        None,
        [],
        "示例4: hired 2025-02, joined 2025-04: dues from February",
    ),
    (
        "dues_ex5",
        "清小研",
        "1998-10-01",
        False,
        "2023-10-09",
        "2025-04-09",
        None,
        [],
        "示例5: hired 2023-10, joined 2025-04: dues from January 2025",
    ),
    (
        "dues_ahead",
        "周全",
        "1990-04-04",
        True,
        "2018-01-01",
        "2018-02-01",
        "2025-03",
        [("2025-04", "2025-09", False)],
        "paid as far as the window allows (September): nothing payable",
    ),
    (
        "dues_december",
        "吴冬",
        "1987-12-12",
        False,
        "2016-01-01",
        "2016-03-01",
        "2025-09",
        [("2025-10", "2025-11", False)],
        "paid through November: with UNIONHUB_TODAY=2025-12-10 the window stops",
    ),
    (
        "dues_retained",
        "郑保留",
        "1970-08-08",
        True,
        "2010-01-01",
        "2010-05-01",
        "2025-01",
        [],
        "retained (unemployed) from 2025-01-10: February onwards exempt",
    ),
    (
        "dues_six",
        "王六月",
        "1993-06-06",
        True,
        "2019-01-01",
        "2019-02-01",
        "2024-09",
        [],
        "six months unpaid: final warning",
    ),
    (
        "dues_seven",
        "赵七",
        "1991-07-07",
        False,
        "2019-01-01",
        "2019-02-01",
        "2024-08",
        [],
        "seven months unpaid: withdrawn automatically by the next sweep",
    ),
]


# What var/demo-accounts.txt says beside each login (the Tsinghua examples need UNIONHUB_TODAY=2025-04-15).
NOTES = {
    "dues_ex1": "清华示例1：1–3月逐月缴纳，4月缴至8月并自愿多交2元",
    "dues_ex2": "清华示例2：漏缴2–3月，须缴2–4月，最多可缴至9月",
    "dues_ex3": "清华示例3：漏缴2024年11月至2025年3月，先缴2024年度",
    "dues_ex4": "清华示例4：2025年2月入职、4月入会，会费从2月起",
    "dues_ex5": "清华示例5：2023年10月入职、2025年4月入会，会费从2025年1月起",
    "dues_ahead": "已缴至9月，暂无可缴月份",
    "dues_december": "已缴至11月（UNIONHUB_TODAY=2025-12-10 时查看）",
    "dues_retained": "保留会籍，2月起免缴",
    "dues_six": "欠缴6个月，最后提醒",
    "dues_seven": "欠缴7个月，演示数据的欠费清查已自动退会",
}


def build(ctx) -> None:
    energy = ctx.unions["power_energy"]
    workshop = ctx.unions["power_workshop"]
    unit = "宜昌电力设备有限公司"
    day = dt.date.fromisoformat

    for key, name, born, male, hired, joined, history, spans, _situation in SELF_PAY:
        member(
            ctx,
            key,
            name,
            born=day(born),
            male=male,
            hire_date=day(hired),
            unit=unit,
            union=energy,
            joined_on=day(joined),
            note=NOTES.get(key, ""),
        )
        m = _membership(ctx, key)
        if history:
            _history(m, history)
        for first, last, monthly in spans:
            _paid(m, first, last, monthly=monthly)
    retained = _membership(ctx, "dues_retained")
    member_services.membership_retain(
        membership_id=retained.pk, actor=None, reason="unemployed", note="企业裁员，待业"
    )
    RetentionPeriod.objects.filter(membership=retained).update(retained_on=dt.date(2025, 1, 10))

    # Payroll: the deduction file up to 2025-03, imported by the company union.
    member(
        ctx,
        "dues_payroll",
        "孙代扣",
        born=day("1980-01-15"),
        male=True,
        hire_date=day("2012-01-01"),
        unit=unit,
        union=workshop,
        dues_mode=DuesMode.PAYROLL,
        joined_on=day("2024-01-05"),
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
    # Unit-paid: the school union pays each year for its unit-paid members in one go.
    school = ctx.unions.get("school")
    if school is not None and "school_staff" in ctx.staff:
        ids = list(
            Membership.objects.filter(union=school, dues_mode=DuesMode.UNIT_PAID).values_list("pk", flat=True)
        )
        for year in range(2018, 2026):
            services.unit_payment_record(
                actor=ctx.staff["school_staff"], year=year, membership_ids=ids, note="单位统一缴纳"
            )
