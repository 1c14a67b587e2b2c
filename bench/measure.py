"""The measurements of `manage.py bench_run`, each with its baseline measured in the same run."""

import datetime as dt
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import service
from bench.dues import BUSINESS_DATE
from bench.http import db_env, gunicorn, wrk
from bench.runner import Report, timed_requests
from dues import selectors as dues_selectors
from dues.models import PaidMonth, PaymentOrder
from dues.providers import sandbox
from dues.services import dues_sweep
from members.models import Membership, MembershipStatus, Union, UnionLevel, User
from unionhub.lib import months

# One statement, written by hand, selecting the active members with three or more unpaid months before the
# business date's month (the generated city has no retention periods or reinstatements).
ARREARS_LIMIT_SQL = """
SELECT m.id
FROM members_membership m
LEFT JOIN LATERAL (SELECT p.month FROM dues_paidmonth p
                   WHERE p.membership_id = m.id AND p.month < %(current)s
                   ORDER BY p.month DESC LIMIT 1) last ON true
WHERE m.status = 'active'
  AND GREATEST(date_trunc('month', m.joined_on), m.dues_start, COALESCE(last.month + interval '1 month', m.dues_start))
      <= %(current)s::date - interval '3 months'
"""


def _seconds(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def naive_unpaid(membership: Membership, today: dt.date) -> int:
    """The per-member way: load the ledger and the paid months, walk back from the previous month."""
    ledger = dues_selectors.Ledger.load(membership)
    paid = set(PaidMonth.objects.filter(membership=membership).values_list("month", flat=True))
    month, unpaid = months.add_months(months.month_of(today), -1), 0
    joined = months.month_of(membership.joined_on)
    while month >= joined and month >= ledger.start and month not in paid:
        if ledger.required(month):
            unpaid += 1
        month = months.add_months(month, -1)
    return unpaid


def sweep(report: Report, *, sample: int) -> None:
    current = months.month_of(BUSINESS_DATE)
    with connection.cursor() as cursor:
        limit_s, _ = _seconds(lambda: cursor.execute(ARREARS_LIMIT_SQL, {"current": current}))
        limit_count = len(cursor.fetchall())
    active = Membership.objects.filter(status=MembershipStatus.ACTIVE)
    active_count = active.count()
    chosen = list(active.order_by("?").values_list("pk", flat=True)[:sample])
    naive_s, naive_hits = _seconds(
        lambda: sum(naive_unpaid(m, BUSINESS_DATE) >= 3 for m in Membership.objects.filter(pk__in=chosen))
    )
    naive_city = naive_s * active_count / max(1, len(chosen))
    sweep_s, counts = _seconds(lambda: dues_sweep(BUSINESS_DATE))
    report.add(
        "arrears sweep, whole city",
        sweep_s,
        "s",
        baseline=limit_s,
        baseline_name="one SQL statement",
        target="< 30 s and ≤ 3× statement",
        met=sweep_s < 30 and sweep_s <= 3 * limit_s,
        in_arrears=counts["in_arrears"],
        statement_rows=limit_count,
        counts=counts,
    )
    report.add(
        f"naive ORM loop ({len(chosen):,} sample, extrapolated)",
        naive_city,
        "s",
        baseline=sweep_s,
        baseline_name="set-based sweep",
        target="(shown for the gap)",
        sample_seconds=round(naive_s, 2),
        sample_in_arrears=naive_hits,
    )


def member_users(count: int, rng: random.Random) -> list[User]:
    """Users for a random sample of active members (created once, reused by later runs)."""
    existing = list(User.objects.filter(username__startswith="bench-m").select_related("person"))
    if len(existing) >= count:
        return existing[:count]
    ids = list(
        Membership.objects.filter(status=MembershipStatus.ACTIVE, person__user__isnull=True)
        .order_by("?")
        .values_list("person_id", flat=True)[: count - len(existing)]
    )
    User.objects.bulk_create([User(username=f"bench-m{pid}", person_id=pid, password="!") for pid in ids])
    return list(User.objects.filter(username__startswith="bench-m"))[:count]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def member_pages(report: Report, *, requests: int, rng: random.Random) -> None:
    clients = [_client(u) for u in member_users(min(200, requests), rng)]
    year = BUSINESS_DATE.year
    floor_client = clients[0]
    for c in clients[:5]:  # warm-up: imports, templates, first connections
        c.get("/"), c.get(f"/api/v1/me/dues/{year}/"), c.get("/api/v1/health/")
    floor = timed_requests(lambda i: floor_client.get("/api/v1/health/"), requests)
    pick = [rng.randrange(len(clients)) for _ in range(requests)]
    for name, path in [
        ("GET /api/v1/me/dues/{year}/", f"/api/v1/me/dues/{year}/"),
        ("member home page /", "/"),
    ]:
        result = timed_requests(lambda i, path=path: clients[pick[i]].get(path), requests)
        report.add(
            f"{name} p50",
            result["p50_ms"],
            "ms",
            baseline=floor["p50_ms"],
            baseline_name="floor p50",
            target="≤ 3× floor",
            met=result["p50_ms"] <= 3 * floor["p50_ms"],
        )
        report.add(
            f"{name} p95",
            result["p95_ms"],
            "ms",
            baseline=floor["p95_ms"],
            baseline_name="floor p95",
            target="< 25 ms",
            met=result["p95_ms"] < 25,
        )
        report.add(
            f"{name} SQL queries (max)",
            result["max_queries"],
            "queries",
            target="≤ 6",
            met=result["max_queries"] <= 6,
        )


LUA = """
local bodies = {%(bodies)s}
local sigs = {%(sigs)s}
local counter = 0
local nthreads = %(threads)d
local next_id = 0
function setup(thread) thread:set("tid", next_id); next_id = next_id + 1 end
function init(args) counter = tid end
function request()
  local i = (counter %% #bodies) + 1
  counter = counter + nthreads
  return wrk.format("POST", "/api/v1/payments/sandbox/notify/",
                    {["Content-Type"] = "application/json", ["X-Sandbox-Signature"] = sigs[i]}, bodies[i])
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def notifications(report: Report, *, seconds: int, threads: int = 4) -> None:
    orders = list(
        PaymentOrder.objects.filter(
            status=PaymentOrder.Status.PENDING, provider="sandbox", order_no__startswith="BENCHP"
        ).order_by("pk")
    )
    if not orders:
        report.add("payment notifications", 0, "req/s", target="(no pending orders generated)", met=False)
        return
    # the same transactions from a hand-written psycopg client first (the orders are then put back to pending)
    raw = service.payments_raw_baseline(report, seconds=seconds)
    bodies = [sandbox.notification_body(o, transaction_id=f"SBXBENCH{o.pk}") for o in orders]
    sigs = [sandbox.sign(b) for b in bodies]
    script = LUA % {
        "bodies": ",".join(_lua_string(b.decode()) for b in bodies),
        "sigs": ",".join(_lua_string(s) for s in sigs),
        "threads": 2,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    with gunicorn(workers=2, threads=threads) as base:
        wrk(f"{base}/api/v1/health/", seconds=1)  # warm-up
        floor = wrk(f"{base}/api/v1/health/", seconds=seconds)
        load = wrk(f"{base}/api/v1/payments/sandbox/notify/", seconds=seconds, script=handle.name)
    Path(handle.name).unlink()
    ids = [o.pk for o in orders]
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM (SELECT membership_id, month FROM dues_paidmonth
                          WHERE membership_id IN (SELECT membership_id FROM dues_paymentorder WHERE id = ANY(%s))
                          GROUP BY 1, 2 HAVING count(*) > 1) d""",
            [ids],
        )
        doubles = cursor.fetchone()[0]
        cursor.execute(
            """SELECT count(*) FROM dues_paymentorder o WHERE o.id = ANY(%s) AND o.status = 'paid'
                          AND (SELECT count(*) FROM dues_paidmonth p WHERE p.payment_id = o.id) <> o.months_count""",
            [ids],
        )
        wrong = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM dues_paymentorder WHERE id = ANY(%s) AND status = 'paid'", [ids])
        paid = cursor.fetchone()[0]
    report.add(
        f"payment notifications (gunicorn 2 workers × {threads} threads, wrk)",
        load["rps"],
        "req/s",
        baseline=floor["rps"],
        baseline_name="floor endpoint",
        target="≥ 40% of floor, 0 errors, 0 double credits",
        met=load["rps"] >= 0.4 * floor["rps"] and load["errors"] == 0 and doubles == 0 and wrong == 0,
        errors=load["errors"],
        floor_errors=floor["errors"],
        requests=load["requests"],
        orders=len(orders),
        orders_paid=paid,
        double_credits=doubles,
        orders_with_wrong_months=wrong,
    )
    if raw:
        report.add(
            "payment notifications (gunicorn) against a hand-written psycopg client, 8 connections",
            load["rps"],
            "req/s",
            baseline=raw["rps"],
            baseline_name="psycopg client, same transactions",
            target="≥ 25% of the psycopg client",
            met=load["rps"] >= 0.25 * raw["rps"],
            raw_notifications=raw["requests"],
            raw_errors=raw["errors"],
            raw_seconds=round(raw["seconds"], 2),
        )


def _staff(name: str, union: Union) -> User:
    from django.contrib.auth.models import Permission

    user, _ = User.objects.get_or_create(
        username=name, defaults={"is_staff": True, "union": union, "password": "!"}
    )
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["applications", "casework"])
    )
    return user


def queues(report: Report, *, requests: int, rng: random.Random) -> None:
    settings.UNIONHUB_REQUIRE_ADMIN_2FA = False
    city = Union.objects.get(level=UnionLevel.CITY, parent__isnull=True, code="B")
    county = Union.objects.filter(level=UnionLevel.COUNTY, parent=city).order_by("pk").first()
    floor_client = _client(_staff("bench-floor", city))
    floor = timed_requests(lambda i: floor_client.get("/api/v1/health/"), requests)
    admin_paths = [
        "/admin/applications/joinapplication/",
        "/admin/applications/joinapplication/?state=submitted",
        "/admin/applications/joinapplication/?queue=mine",
        "/admin/applications/joinapplication/?state=approved&p=3",
        "/admin/applications/joinapplication/?overdue=yes",
    ]
    api_paths = [
        "/api/v1/join-applications/?state=submitted",
        "/api/v1/join-applications/?state=dispatched",
        "/api/v1/join-applications/?state=approved",
        "/api/v1/join-applications/?state=approved&page=2",
    ]
    for who, union in [("city admin", city), ("county admin", county)]:
        client = _client(_staff(f"bench-{union.code}", union))
        for label, paths in [("admin changelist", admin_paths), ("staff API list ?state=", api_paths)]:
            for p in paths:
                client.get(p)  # warm-up
            counts = []

            def get(i, paths=paths, client=client, counts=counts):
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(paths[i % len(paths)])
                counts.append(sum("COUNT(" in q["sql"].upper() for q in queries))
                return response

            result = timed_requests(get, requests)
            report.add(
                f"{label}, {who} p95",
                result["p95_ms"],
                "ms",
                baseline=floor["p95_ms"],
                baseline_name="floor p95",
                target="< 150 ms",
                met=result["p95_ms"] < 150,
                p50_ms=result["p50_ms"],
                max_queries=result["max_queries"],
                count_queries_per_page=max(counts),
                paths=paths,
            )


def import_export(report: Report, *, rows: int) -> None:
    if not User.objects.filter(is_superuser=True).exists():
        User.objects.create_superuser("bench-admin", password=None)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        file = f"{tmp}/members.xlsx"
        for step, extra in [("generate", ["--rows", str(rows)]), ("import", []), ("export", None)]:
            if extra is None:
                extra = ["--union", re.search(r"union (BENCH-\d+)", out["import"]).group(1)]
            out[step] = subprocess.run(  # noqa: S603 - our own manage.py
                [sys.executable, "manage.py", "data_bench", step, "--file", file, *extra],
                cwd=settings.BASE_DIR,
                env=db_env(),
                capture_output=True,
                text=True,
                check=True,
            ).stdout
    created = int(re.search(r", (\d+) members,", out["import"]).group(1))  # a refused file imports 0
    for step, limit in [("import", 60), ("export", 20)]:
        found = re.search(rf"{step}: ([\d.]+) s, peak RSS (\d+) MB", out[step])
        seconds, rss = float(found.group(1)), int(found.group(2))
        report.add(
            f"roster {step}, {rows:,} rows",
            seconds,
            "s",
            target=f"< {limit} s, RSS < 300 MB",
            met=seconds < limit and rss < 300 and created == rows,
            peak_rss_mb=rss,
            members_imported=created,
        )
        report.add(f"roster {step} peak RSS", rss, "MB", target="< 300 MB", met=rss < 300)


def run(*, quick: bool, stdout, only: list[str] | None = None) -> Report:
    rng = random.Random(11)  # noqa: S311 - reproducible sampling
    members = Membership.objects.count()
    report = Report(members)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    steps = [
        ("arrears sweep", lambda: sweep(report, sample=500 if quick else 10_000)),
        ("member pages", lambda: member_pages(report, requests=50 if quick else 1000, rng=rng)),
        ("payment notifications", lambda: notifications(report, seconds=2 if quick else 10)),
        ("approval queues", lambda: queues(report, requests=20 if quick else 200, rng=rng)),
        ("import/export", lambda: import_export(report, rows=500 if quick else 100_000)),
        (
            "dues calendar, 16 connections",
            lambda: service.calendar_gunicorn(report, seconds=2 if quick else 10),
        ),
        (
            "outbox drain",
            lambda: service.outbox_drain(report, count=min(members, 2000) if quick else members),
        ),
        ("roster export job", lambda: service.export_job(report)),
    ]
    for name, step in steps:
        if only and not any(word in name for word in only):
            continue
        started = time.perf_counter()
        step()
        stdout.write(f"{name}: measured in {time.perf_counter() - started:.1f}s")
    report.meta["business_date"] = BUSINESS_DATE.isoformat()
    report.meta["quick"] = quick
    json.dumps(report.meta)
    return report
