"""Measurements of the service as it runs in production: payment notifications against a hand-written psycopg
client (the database's own limit), the dues calendar through gunicorn at 16 connections, draining the outbox,
and the roster exported as a job."""

import re
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection
from rest_framework.authtoken.models import Token

from bench.copy import copy_rows
from bench.dues import BUSINESS_DATE
from bench.http import db_env, gunicorn, wrk
from bench.runner import Report
from dues.models import PaymentOrder
from dues.providers import sandbox
from members.models import Membership, MembershipStatus, Union, User
from notifications import delivery
from notifications.models import OutboxMessage
from unionhub.lib import clock, months

BENCH_ORDERS = "BENCHP"


def _dsn() -> str:
    return db_env()["DATABASE_URL"]


def _raw_notification(conn, order_no: str, transaction_id: str, body: str) -> str:
    """The transactions of one sandbox notification, written by hand: the record in a commit of its own, then the
    credit (member and order locked, months inserted, order paid, other open orders superseded, outcome)."""
    now = clock.now()
    with conn.transaction():
        notification_id = conn.execute(
            """INSERT INTO dues_paymentnotification (provider, order_no, transaction_id, raw_body, headers,
                   verified, outcome, reason, provider_paid_at, received_at)
               VALUES ('sandbox', %s, %s, %s, '{}', false, 'received', '', '', %s) RETURNING id""",
            [order_no, transaction_id, body, now],
        ).fetchone()[0]
    with conn.transaction():
        order_id, membership_id = conn.execute(
            "SELECT id, membership_id FROM dues_paymentorder WHERE order_no = %s", [order_no]
        ).fetchone()
        conn.execute("SELECT id FROM members_membership WHERE id = %s FOR UPDATE", [membership_id])
        _amount, paid_tx, month_list, dues_amount, count = conn.execute(
            """SELECT total_amount, transaction_id, month_list, dues_amount, months_count
               FROM dues_paymentorder WHERE id = %s FOR UPDATE""",
            [order_id],
        ).fetchone()
        taken = None
        if paid_tx:
            outcome = "duplicate"
        else:
            conn.execute("SELECT 1 FROM dues_paymentorder WHERE transaction_id = %s", [transaction_id])
            wanted = [months.parse_month(m) for m in month_list]
            taken = conn.execute(
                "SELECT 1 FROM dues_paidmonth WHERE membership_id = %s AND month = ANY(%s) LIMIT 1",
                [membership_id, wanted],
            ).fetchone()
        if not paid_tx and taken:
            conn.execute(
                """UPDATE dues_paymentorder SET status = 'refund_pending', transaction_id = %s, paid_at = %s,
                       updated_at = %s WHERE id = %s""",
                [transaction_id, now, now, order_id],
            )
            outcome = "refund"
        elif not paid_tx:
            per_month = (Decimal(dues_amount) / count).quantize(Decimal("0.01")) if count else Decimal("0.00")
            with conn.cursor() as cursor:
                cursor.executemany(
                    """INSERT INTO dues_paidmonth (membership_id, month, amount, source, payment_id, created_at)
                       VALUES (%s, %s, %s, 'self_pay', %s, %s)""",
                    [(membership_id, m, per_month, order_id, now) for m in wanted],
                )
            conn.execute(
                """UPDATE dues_paymentorder SET status = 'paid', transaction_id = %s, paid_at = %s,
                       receipt_no = %s, updated_at = %s WHERE id = %s""",
                [transaction_id, now, f"RAW{order_id}", now, order_id],
            )
            conn.execute(
                """UPDATE dues_paymentorder SET status = 'superseded'
                   WHERE membership_id = %s AND status = 'pending' AND id <> %s""",
                [membership_id, order_id],
            )
            outcome = "credited"
        conn.execute(
            "UPDATE dues_paymentnotification SET outcome = %s, verified = true WHERE id = %s",
            [outcome, notification_id],
        )
    return outcome


def raw_client(jobs: list[tuple[str, str, str]], *, concurrency: int, seconds: float) -> dict:
    """`concurrency` threads, each with its own psycopg connection, through the notifications for `seconds`."""
    lock = threading.Lock()
    queue = list(reversed(jobs))
    done = [0]
    errors = [0]
    deadline = time.perf_counter() + seconds

    def worker():
        with psycopg.connect(_dsn(), autocommit=True) as conn:
            while time.perf_counter() < deadline:
                with lock:
                    if not queue:
                        return
                    job = queue.pop()
                try:
                    _raw_notification(conn, *job)
                except psycopg.Error:
                    errors[0] += 1
                    continue
                with lock:
                    done[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {"rps": done[0] / elapsed, "requests": done[0], "errors": errors[0], "seconds": elapsed}


def _reset_orders(ids: list[int]) -> None:
    """Put the benchmark's orders back to pending (what the hand-written client credited is removed)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM dues_paidmonth WHERE payment_id = ANY(%s)", [ids])
        cursor.execute(
            "DELETE FROM dues_paymentnotification WHERE order_no IN "
            "(SELECT order_no FROM dues_paymentorder WHERE id = ANY(%s))",
            [ids],
        )
        cursor.execute(
            """UPDATE dues_paymentorder SET status = 'pending', transaction_id = NULL, paid_at = NULL,
                   receipt_no = NULL WHERE id = ANY(%s)""",
            [ids],
        )


def payments_raw_baseline(report: Report, *, seconds: int, concurrency: int = 8) -> dict | None:
    """The same transactions per notification from a hand-written psycopg client at the concurrency wrk uses
    (8 connections); run before the wrk measurement, whose orders it then puts back to pending."""
    orders = list(
        PaymentOrder.objects.filter(
            status=PaymentOrder.Status.PENDING, provider="sandbox", order_no__startswith=BENCH_ORDERS
        ).order_by("pk")
    )
    if not orders:
        return None
    jobs = [
        (o.order_no, f"SBXRAW{o.pk}", sandbox.notification_body(o, transaction_id=f"SBXRAW{o.pk}").decode())
        for o in orders
    ]
    result = raw_client(jobs, concurrency=concurrency, seconds=seconds)
    _reset_orders([o.pk for o in orders])
    return result


def calendar_gunicorn(report: Report, *, seconds: int, connections: int = 16) -> None:
    """GET /api/v1/me/dues/{year}/ of one member through gunicorn (2 workers × 4 threads) with wrk at 16
    connections, against the floor endpoint at the same concurrency."""
    membership = Membership.objects.filter(status=MembershipStatus.ACTIVE).select_related("person").first()
    user = User.objects.filter(person=membership.person).first()
    if user is None:
        user = User.objects.create(username=f"bench-cal{membership.person_id}", person=membership.person)
    token, _ = Token.objects.get_or_create(user=user)
    script = (
        f'wrk.headers["Authorization"] = "Token {token.key}"\nwrk.headers["Accept"] = "application/json"\n'
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    path = handle.name
    with gunicorn(workers=2, threads=4) as base:
        wrk(f"{base}/api/v1/health/", seconds=1, connections=connections)  # warm-up
        floor = wrk(f"{base}/api/v1/health/", seconds=seconds, connections=connections, threads=2)
        load = wrk(
            f"{base}/api/v1/me/dues/{BUSINESS_DATE.year}/",
            seconds=seconds,
            connections=connections,
            threads=2,
            script=path,
        )
    Path(path).unlink()
    report.add(
        f"dues calendar through gunicorn (2 workers × 4 threads), wrk {connections} connections",
        load["rps"],
        "req/s",
        baseline=floor["rps"],
        baseline_name=f"floor endpoint, {connections} connections",
        target="≥ 30% of floor, 0 errors",
        met=load["rps"] >= 0.3 * floor["rps"] and load["errors"] == 0,
        errors=load["errors"],
        requests=load["requests"],
    )


def outbox_drain(report: Report, *, count: int) -> None:
    """`count` SMS messages written pending, then drained the way the workers do it (marked queued in one
    statement per OUTBOX_QUEUE_LIMIT, delivered in batches, each claimed, sent and recorded) through the no-op
    SMS backend, in this one process."""
    recipients = list(
        User.objects.filter(person__isnull=False).values_list("pk", flat=True)[: min(count, 5000)]
    )
    if not recipients:
        user = Membership.objects.select_related("person").first()
        recipients = [User.objects.create(username="bench-outbox", person=user.person).pk]
    now = clock.now()
    OutboxMessage.objects.filter(dedupe_key__startswith="bench-drain:").delete()
    copy_rows(
        OutboxMessage._meta.db_table,
        [
            "recipient_id",
            "channel",
            "template",
            "subject",
            "body",
            "dedupe_key",
            "status",
            "attempts",
            "last_error",
            "provider_answer",
            "created_at",
        ],
        (
            (
                recipients[i % len(recipients)],
                "sms",
                "dues_reminder",
                "会费欠缴提醒",
                "…",
                f"bench-drain:{i}",
                "pending",
                0,
                "",
                "{}",
                now,
            )
            for i in range(count)
        ),
    )
    backend, rate = settings.NOTIFY_SMS_BACKEND, settings.UNIONHUB_SMS_RATE_PER_SECOND
    settings.NOTIFY_SMS_BACKEND, settings.UNIONHUB_SMS_RATE_PER_SECOND = "noop", 0
    autovacuum = _autovacuum_on()
    started = time.perf_counter()
    vacuum_seconds = 0.0
    sent = 0
    try:
        _vacuum_outbox(analyze_only=True)  # what autovacuum does after a bulk load
        while ids := delivery.outbox_queue_pending():
            for batch in delivery.batches(ids):
                sent += delivery.outbox_deliver_batch(message_ids=batch, retry=lambda *a: None)["sent"]
            if not autovacuum:  # each round rewrites OUTBOX_QUEUE_LIMIT rows three times: autovacuum's job
                vacuum_started = time.perf_counter()
                _vacuum_outbox()
                vacuum_seconds += time.perf_counter() - vacuum_started
    finally:
        settings.NOTIFY_SMS_BACKEND, settings.UNIONHUB_SMS_RATE_PER_SECOND = backend, rate
    elapsed = time.perf_counter() - started
    left = OutboxMessage.objects.filter(dedupe_key__startswith="bench-drain:").exclude(status="sent").count()
    rate = sent / elapsed if elapsed else 0
    report.add(
        f"outbox drain, {count:,} queued SMS, no-op backend (1 process)",
        elapsed,
        "s",
        target="every message sent once",
        met=left == 0 and sent == count,
        messages_per_second=round(rate, 1),
        vacuum_seconds_included=round(vacuum_seconds, 1),
        server_autovacuum=autovacuum,
        messages_per_day_one_process=round(rate * 86400),
        sent=sent,
        left=left,
    )
    report.add(
        "outbox drain rate (1 process)", rate, "msg/s", target="≥ 12 msg/s (1,000,000 a day)", met=rate >= 12
    )


def _autovacuum_on() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        return cursor.fetchone()[0] == "on"


def _vacuum_outbox(*, analyze_only: bool = False) -> None:
    """A server with autovacuum off (this machine's CI configuration) keeps every dead row version in the
    outbox's status indexes and plans with the statistics of the empty table; the bench does autovacuum's work
    itself (counted in the drain's time) so the figure is that of a production server."""
    table = OutboxMessage._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}" if analyze_only else f"VACUUM (ANALYZE) {table}")  # noqa: S608


def export_job(report: Report) -> None:
    """The whole city's roster exported as a job (own process: time, peak RSS, sheets)."""
    city = Union.objects.order_by("depth", "path").first()
    out = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "data_bench", "export-job", "--union", city.code],
        cwd=settings.BASE_DIR,
        env=db_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"export-job: ([\d.]+) s, peak RSS (\d+) MB, (\d+) rows, (\d+) sheets", out)
    seconds, rss, rows, sheets = float(found[1]), int(found[2]), int(found[3]), int(found[4])
    members = (
        Membership.objects.filter(  # the roster of the city's subtree (not of any other root in the database)
            status__in=[MembershipStatus.ACTIVE, MembershipStatus.RETAINED], union__path__startswith=city.path
        ).count()
    )
    report.add(
        f"roster of the whole city as an export job, {rows:,} rows",
        seconds,
        "s",
        target="all rows, RSS < 300 MB",
        met=rows == members and rss < 300,
        peak_rss_mb=rss,
        sheets=sheets,
        rows=rows,
    )
    report.add("export job peak RSS", rss, "MB", target="< 300 MB", met=rss < 300)
