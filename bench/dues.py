"""Generated city, dues part: two years of paid months (server-side, one INSERT … SELECT) and payment orders.

Most self-pay members have paid up to the month before BUSINESS_DATE's month, some are 1–6 months behind and
about one in a thousand 7–8 months (withdrawn by the sweep); payroll and unit-paid members are fully paid.
"""

import datetime as dt

from django.db import connection

from dues.selectors import rate_for
from unionhub.lib import months

# The business date the bench sweeps for; histories run from HISTORY_START to the month before it.
BUSINESS_DATE = dt.date(2026, 11, 16)
HISTORY_START = dt.date(2025, 1, 1)

# Months behind (before BUSINESS_DATE's month) by (membership id × 7919) mod 1000, for self-pay members.
BEHIND_SQL = """CASE WHEN m.dues_mode <> 'self_pay' THEN 0 ELSE (CASE
    WHEN (m.id * 7919) %% 1000 < 700 THEN 0 WHEN (m.id * 7919) %% 1000 < 800 THEN 1
    WHEN (m.id * 7919) %% 1000 < 870 THEN 2 WHEN (m.id * 7919) %% 1000 < 920 THEN 3
    WHEN (m.id * 7919) %% 1000 < 950 THEN 4 WHEN (m.id * 7919) %% 1000 < 975 THEN 5
    WHEN (m.id * 7919) %% 1000 < 999 THEN 6 ELSE 7 + m.id %% 2 END) END"""

PAID_MONTHS_SQL = f"""
INSERT INTO dues_paidmonth (membership_id, month, amount, source, payment_id, created_at)
SELECT m.id, g.month::date, %s,
       CASE m.dues_mode WHEN 'self_pay' THEN 'self_pay' WHEN 'payroll' THEN 'payroll' ELSE 'unit' END, NULL, now()
FROM members_membership m
CROSS JOIN LATERAL generate_series(GREATEST(%s::date, date_trunc('month', m.dues_start)::date),
                                   %s::date - make_interval(months => ({BEHIND_SQL})::int),
                                   interval '1 month') AS g(month)
WHERE m.id >= %s
"""  # noqa: S608 - constant fragments only

ORDERS_SQL = f"""
INSERT INTO dues_paymentorder (order_no, year, first_month, last_month, month_list, months_count, dues_amount,
    extra_amount, total_amount, status, provider, transaction_id, paid_at, receipt_no, provider_ref, channel,
    pay_params, note, created_at, updated_at, created_by_id, membership_id)
SELECT 'BENCH' || %s || lpad(row_number() OVER (ORDER BY m.id)::text, 8, '0'), %s, %s, %s, %s::jsonb, %s, %s, 0, %s,
       %s, 'sandbox', NULL, NULL, NULL, '', 'native', '{{}}'::jsonb, '', now(), now(), NULL, m.id
FROM members_membership m
WHERE m.id >= %s AND m.status = 'active' AND m.dues_mode = 'self_pay' AND ({BEHIND_SQL}) = 0
  AND m.id %% 4 = %s
ORDER BY m.id
LIMIT %s
"""  # noqa: S608 - constant fragments only


def generate(*, rng, members: int, membership_start: int, **_):
    if connection.vendor != "postgresql":
        return
    rate = rate_for(BUSINESS_DATE.year)
    last_paid = months.add_months(months.month_of(BUSINESS_DATE), -1)
    with connection.cursor() as cursor:
        cursor.execute(PAID_MONTHS_SQL, [rate, HISTORY_START, last_paid, membership_start])
        # Orders for the two months after the last paid one: pending (to be paid by notifications), expired,
        # cancelled. Each status takes its own quarter of the members, so one member has one pending order at most.
        first, last = months.add_months(last_paid, 1), months.add_months(last_paid, 2)
        month_list = f'["{months.format_month(first)}", "{months.format_month(last)}"]'
        count = max(10, min(5000, members // 100))
        for quarter, (tag, status) in enumerate([("P", "pending"), ("E", "expired"), ("C", "cancelled")]):
            cursor.execute(
                ORDERS_SQL,
                [
                    tag,
                    first.year,
                    first,
                    last,
                    month_list,
                    2,
                    rate * 2,
                    rate * 2,
                    status,
                    membership_start,
                    quarter,
                    count,
                ],
            )
