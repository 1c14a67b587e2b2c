"""Arrears (欠费): the daily sweep over all members, set-based."""

import datetime as dt
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dues import selectors
from dues.models import ArrearsEntry, PaymentOrder, SweepRun
from members import services as member_services
from members.models import DuesMode, Membership, MembershipStatus, RetentionPeriod
from notifications.services import notify_many
from unionhub.lib import clock, months

REMINDER_AT, FINAL_AT = 3, 6


def _index_month(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


ARREARS_SQL = """
WITH runs AS MATERIALIZED (
    SELECT m.id, m.dues_mode, m.person_id,
           {GREATEST}({MI_joined}, {MI_start},
                      COALESCE((SELECT {MI_month} FROM dues_paidmonth p
                                WHERE p.membership_id = m.id AND p.month < %s
                                ORDER BY p.month DESC LIMIT 1) + 1, 0)) AS run_start
    FROM members_membership m
    WHERE m.status = 'active' {one_member}
), long_runs AS MATERIALIZED (
    SELECT r.id, r.dues_mode, r.person_id,
           {GREATEST}(r.run_start, COALESCE((SELECT MAX({MI_reinstated}) FROM members_membershipevent e
                                             WHERE e.membership_id = r.id AND e.kind = 'reinstate'), 0))
               AS run_start
    FROM runs r
    WHERE r.run_start <= %s
), counted AS MATERIALIZED (
    SELECT r.id, r.dues_mode, r.person_id, r.run_start,
           (%s - r.run_start) - COALESCE((
               SELECT SUM({GREATEST}(0, {LEAST}(COALESCE({MI_restored}, %s), %s)
                                        - {GREATEST}({MI_retained} + 1, r.run_start)))
               FROM members_retentionperiod rp WHERE rp.membership_id = r.id), 0) AS unpaid
    FROM long_runs r
)
SELECT c.id, c.dues_mode, c.unpaid, c.run_start,
       (SELECT u.id FROM members_user u WHERE u.person_id = c.person_id) AS user_id
FROM counted c
WHERE c.unpaid >= %s
ORDER BY c.id
"""


def arrears_rows(
    today: dt.date,
    *,
    at_least: int = 1,
    membership_id: int | None = None,
    membership_ids: list[int] | None = None,
) -> list[tuple]:
    """(membership id, dues mode, unpaid months, run start as a month index, user id) of every active membership
    with at least `at_least` consecutive unpaid required months before the current month.

    One statement over all members (PostgreSQL or SQLite). For each membership: the last paid month before the
    current one (an index-only lookup on the unique (membership, month) index), the run starting after it but never
    before the join month (back dues from before joining never count) nor the dues start; then, only for runs long
    enough to matter, the run restarts at a reinstatement (staff undid a wrong automatic withdrawal: the member is
    not withdrawn again the next night for the same months) and the retained months inside it are subtracted (exempt
    months neither count nor break the run). The CTEs are materialised so each correlated lookup runs once per
    membership."""
    from django.db import connection

    ids = [membership_id] if membership_id else list(membership_ids or [])
    sql, params = _arrears_statement(today, at_least=at_least, ids=ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _arrears_statement(today: dt.date, *, at_least: int, ids: list[int]) -> tuple[str, list]:
    """ARREARS_SQL for this database and its parameters (see arrears_rows)."""
    sql = selectors.sql_for(
        ARREARS_SQL,
        columns={
            "joined": "m.joined_on",
            "start": "m.dues_start",
            "month": "p.month",
            "restored": "rp.restored_on",
            "retained": "rp.retained_on",
            "reinstated": 'e."on"',
        },
        one_member=f"AND m.id IN ({', '.join(['%s'] * len(ids))})" if ids else "",
    )
    current = today.year * 12 + today.month - 1
    params = [months.month_of(today)] + ids
    params += [current - at_least, current, current, current, at_least]
    return sql, params


WITHDRAW_BATCH = 500


def dues_sweep(today: dt.date | None = None, *, now=None) -> dict:
    """The daily arrears sweep (SPEC §5): reminder at 3 unpaid months, final warning at 6, automatic withdrawal
    above 6 for self-pay members; payroll and unit-paid arrears go to the staff report (ArrearsEntry).

    Recorded as the date's SweepRun. A fresh run first writes the arrears list (the plan), then withdraws in
    batches of WITHDRAW_BATCH, counting each batch in the batch's own transaction, then sends the notices (deduplicated
    by month). A run left unfinished (a worker killed) is resumed by the next call for the same date: from the first
    batch not done, from the list already written, so nothing is done twice. While a run shows a heartbeat younger
    than DUES_SWEEP_STALE_SECONDS, another call leaves it alone ({"skipped": "running"})."""
    today = today or clock.today()
    run = _sweep_start(today, now or timezone.now())
    if run is None:
        return {"skipped": "running"}
    if not run.planned:
        _sweep_plan(run, today)
    to_withdraw = list(
        ArrearsEntry.objects.filter(as_of=today, action="auto_withdraw")
        .order_by("membership_id")
        .values_list("membership_id", flat=True)
    )
    _arrears_withdraw(to_withdraw, today, run=run)
    notices = [
        (user_id, pk, unpaid, action == "final_warning")
        for pk, unpaid, action, user_id in (
            ArrearsEntry.objects.filter(
                as_of=today, action__in=["reminder", "final_warning"], membership__person__user__isnull=False
            )
            .order_by("membership_id")
            .values_list("membership_id", "unpaid_months", "action", "membership__person__user__id")
        )
    ]
    sent = _arrears_notify(notices, today)
    run.refresh_from_db()
    counts = {**run.counts, "withdrawn": run.withdrawn, "warned": sent[True], "reminded": sent[False]}
    SweepRun.objects.filter(pk=run.pk).update(
        status=SweepRun.Status.DONE, finished_at=timezone.now(), heartbeat_at=timezone.now(), counts=counts
    )
    return counts


def _sweep_start(today: dt.date, now) -> "SweepRun | None":
    """The date's run, to start afresh (none yet, or the last one finished) or to resume (left unfinished and
    silent for DUES_SWEEP_STALE_SECONDS); None while another run of the date is alive."""
    stale = now - dt.timedelta(seconds=settings.DUES_SWEEP_STALE_SECONDS)
    with transaction.atomic():
        run, created = SweepRun.objects.select_for_update().get_or_create(
            business_date=today, defaults={"started_at": now, "heartbeat_at": now, "attempts": 1}
        )
        if created:
            return run
        if run.status == SweepRun.Status.RUNNING:
            if run.heartbeat_at and run.heartbeat_at > stale:
                return None
            run.attempts += 1
            run.heartbeat_at = now
            run.save(update_fields=["attempts", "heartbeat_at"])
            return run
        run.status, run.planned, run.batches_total, run.batches_done, run.withdrawn = (
            SweepRun.Status.RUNNING,
            False,
            0,
            0,
            0,
        )
        run.attempts, run.counts, run.started_at, run.heartbeat_at, run.finished_at = 1, {}, now, now, None
        run.save()
        return run


# The arrears list written straight from the statement (INSERT … SELECT): the rows never leave the database; the
# statement answers the count of each action (PostgreSQL: from the inserted rows; SQLite: their actions).
PLAN_SQL = """
{WITH_INSERT}INSERT INTO dues_arrearsentry (membership_id, unpaid_months, first_unpaid_month, dues_mode, action, as_of)
SELECT a.id, a.unpaid, {MONTH_DATE}, a.dues_mode,
       CASE WHEN a.dues_mode <> %s THEN 'staff_report'
            WHEN a.unpaid > %s THEN 'auto_withdraw'
            WHEN a.unpaid = %s THEN 'final_warning'
            ELSE 'reminder' END,
       %s
FROM ({ARREARS}) a
RETURNING action{COUNT_INSERTED}
"""
_PLAN_COUNTS = {
    "postgresql": ("WITH inserted AS (", ") SELECT action, COUNT(*) FROM inserted GROUP BY action"),
    "sqlite": ("", ""),
}
# the first day of the month of a month index (year × 12 + month − 1), as the database stores a date
_MONTH_DATE = {
    "postgresql": "make_date(a.run_start / 12, a.run_start %% 12 + 1, 1)",
    "sqlite": "printf('%%04d-%%02d-01', a.run_start / 12, a.run_start %% 12 + 1)",
}


def _sweep_plan(run: "SweepRun", today: dt.date) -> None:
    """The arrears list of the date, written in one transaction with the run's plan: one DELETE, one INSERT … SELECT
    of the arrears statement (self-pay members above FINAL_AT months to withdraw, at FINAL_AT a final warning, below
    a reminder; payroll and unit-paid members to the staff report) that answers the count of each action."""
    from django.db import connection

    arrears, params = _arrears_statement(today, at_least=REMINDER_AT, ids=[])
    dialect = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    with_insert, count_inserted = _PLAN_COUNTS[dialect]
    sql = PLAN_SQL.format(
        MONTH_DATE=_MONTH_DATE[dialect],
        ARREARS=arrears,
        WITH_INSERT=with_insert,
        COUNT_INSERTED=count_inserted,
    )
    with transaction.atomic():
        ArrearsEntry.objects.all().delete()
        with connection.cursor() as cursor:
            if dialect == "postgresql":
                # one pass over every membership with a correlated lookup each: compiling it (JIT) costs seconds and
                # saves none of them
                cursor.execute("SET LOCAL jit = off")
            cursor.execute(sql, [DuesMode.SELF_PAY, FINAL_AT, FINAL_AT, today, *params])
            rows = cursor.fetchall()
        by_action = dict(rows) if dialect == "postgresql" else Counter(action for (action,) in rows)
        withdraw = by_action.get("auto_withdraw", 0)
        run.planned = True
        run.batches_total = -(-withdraw // WITHDRAW_BATCH)
        run.counts = {"reported": by_action.get("staff_report", 0), "in_arrears": sum(by_action.values())}
        run.heartbeat_at = timezone.now()
        run.save(update_fields=["planned", "batches_total", "counts", "heartbeat_at"])


def dues_sweep_check(now=None) -> dict:
    """Beat check (every 15 minutes): after the 02:00 run's time, a date with no finished sweep (missed, or left
    unfinished by a lost worker) is swept now, the same day."""
    now = now or timezone.now()
    if timezone.localtime(now).hour < settings.DUES_SWEEP_HOUR:
        return {"skipped": "not_yet"}
    today = clock.today()
    if SweepRun.objects.filter(business_date=today, status=SweepRun.Status.DONE).exists():
        return {"skipped": "done"}
    return dues_sweep(today, now=now)


def _arrears_notify(notices: list[tuple[int, int, int, bool]], today: dt.date) -> dict[bool, int]:
    """Reminders and final warnings for the whole sweep in bulk through the outbox (notifications.services.notify_many):
    each member gets each kind of notice at most once a month."""
    month = months.format_month(today)
    sent = {}
    for final in (True, False):
        if final:
            subject = _("会费欠缴最后提醒")
            body = _("您已连续%(n)s个月未缴纳工会会费。连续欠费超过6个月将视为自动退会，请尽快补缴。")
        else:
            subject = _("会费欠缴提醒")
            body = _("您已连续%(n)s个月未缴纳工会会费，请及时补缴。")
        kind = "final" if final else "reminder"
        sent[final] = notify_many(
            [
                {
                    "recipient_id": user_id,
                    "template": f"dues_{kind}",
                    "subject": subject,
                    "body": body % {"n": unpaid},
                    "dedupe_key": f"dues-{kind}:{pk}:{month}",
                }
                for user_id, pk, unpaid, is_final in notices
                if is_final == final
            ]
        )
    return sent


def _arrears_withdraw(candidates: list[int], today: dt.date, *, run: "SweepRun | None" = None) -> int:
    """Automatic withdrawal of self-pay members above 6 unpaid months, in batches: each batch locks its rows,
    looks again under the lock (a payment may have arrived since the sweep's read), then withdraws through the
    membership state machine with the reason and the unpaid months on the history."""
    withdrawn = 0
    month = months.format_month(today)
    first = (
        run.batches_done if run is not None else 0
    )  # batches a crashed run committed are not looked at again
    for index in range(first, -(-len(candidates) // WITHDRAW_BATCH)):
        chunk = candidates[index * WITHDRAW_BATCH : (index + 1) * WITHDRAW_BATCH]
        with transaction.atomic():
            locked = {
                m.pk: m
                for m in Membership.objects.select_for_update()
                .filter(pk__in=chunk, status=MembershipStatus.ACTIVE, dues_mode=DuesMode.SELF_PAY)
                .order_by("pk")
            }
            if not locked:
                _batch_done(run, 0)
                continue
            rechecked = arrears_rows(today, at_least=FINAL_AT + 1, membership_ids=list(locked))
            retentions: dict[int, list] = {}
            for mid, on, back in RetentionPeriod.objects.filter(
                membership_id__in=[r[0] for r in rechecked]
            ).values_list("membership_id", "retained_on", "restored_on"):
                retentions.setdefault(mid, []).append((on, back))
            items, notices = [], []
            for pk, _mode, unpaid, run_start, user_id in rechecked:
                membership = locked[pk]
                ledger = selectors.Ledger(membership, retentions.get(pk, []))
                unpaid_list = [
                    months.format_month(m)
                    for m in months.month_range(_index_month(run_start), months.month_of(today))
                    if ledger.required(m)
                ]
                reason = _("连续欠缴会费%(n)s个月（超过6个月），自动退会") % {"n": unpaid}
                items.append((membership, reason, {"unpaid_months": unpaid, "months": unpaid_list}))
                if user_id is not None:
                    notices.append(
                        {
                            "recipient_id": user_id,
                            "template": "dues_auto_withdraw",
                            "subject": _("自动退会通知"),
                            "body": _(
                                "因连续欠缴会费超过6个月，您的会籍已按规定自动退会。如有疑问请联系所在工会。"
                            ),
                            "dedupe_key": f"dues-withdraw:{pk}:{month}",
                        }
                    )
            member_services.membership_auto_withdraw_many(items=items, on=today)
            PaymentOrder.objects.filter(
                membership_id__in=[m.pk for m, *_ in items], status=PaymentOrder.Status.PENDING
            ).update(status=PaymentOrder.Status.CANCELLED)
            notify_many(notices)
            withdrawn += len(items)
            _batch_done(run, len(items))
    return withdrawn


def _batch_done(run: "SweepRun | None", withdrawn: int) -> None:
    """Counted inside the batch's transaction: the count and the batch commit together or not at all."""
    if run is not None:
        SweepRun.objects.filter(pk=run.pk).update(
            batches_done=F("batches_done") + 1,
            withdrawn=F("withdrawn") + withdrawn,
            heartbeat_at=timezone.now(),
        )
