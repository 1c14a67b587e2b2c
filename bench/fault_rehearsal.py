"""`make fault-rehearsal` (not in CI): the running system put through faults of its real parts.

Starts its own PostgreSQL (initdb in a temporary directory, another port) and Redis (another port, no persistence),
gunicorn with the production settings and a Celery worker; drives payments (order + signed sandbox notification),
approvals, logins, the dues calendar and an import while it stops and restarts Redis, restarts PostgreSQL and
SIGKILLs the worker and the web processes; runs the beat tasks that recover (outbox, import recovery, sweep check)
and checks in SQL afterwards. Stops everything it started and prints a table.

Run: .venv/bin/python -m bench.fault_rehearsal
"""
# A local tool: it starts fixed local programs on loopback and queries its own throw-away database.
# ruff: noqa: S103, S310, S603, S607, S608, SIM115

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
SANDBOX_SECRET = "rehearsal-sandbox-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(found[-1]) if found else name


class Stack:
    def __init__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="uh-rehearsal-"))
        os.chmod(self.tmp, 0o777)
        self.pg_port, self.redis_port, self.web_port = free_port(), free_port(), free_port()
        self.pgdata = self.tmp / "pgdata"
        self.redis = self.web = self.worker = None
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "unionhub.settings.production",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{self.pg_port}/uh",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "DJANGO_SECRET_KEY": "rehearsal-" + "k" * 60,
            "UNIONHUB_FIELD_KEYS": "pJqS1bW7rQ7bm6l6s0l3aH8o7y3a6f8nB2v4c1x9z0E=",
            "UNIONHUB_HASH_KEY": "rehearsal-hash-key",
            "PAYMENT_SANDBOX_SECRET": SANDBOX_SECRET,
            "UNIONHUB_ALLOW_SANDBOX_PAYMENTS": "true",  # a training deployment: the sandbox pays
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "UNIONHUB_PRIVATE_MEDIA_ROOT": str(self.tmp / "private"),
            "DJANGO_STATIC_ROOT": str(self.tmp / "static"),
            "UNIONHUB_REQUIRE_ADMIN_2FA": "0",
            "LOG_LEVEL": "WARNING",
        }

    # --- processes ----------------------------------------------------------------------------------------

    def pg_start(self):
        subprocess.run(
            [
                *self.as_postgres,
                pg_bin("pg_ctl"),
                "-D",
                str(self.pgdata),
                "-l",
                str(self.tmp / "pg.log"),
                "-o",
                f"-p {self.pg_port} -k {self.tmp} -c listen_addresses=127.0.0.1",
                "-w",
                "start",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def pg_restart(self):
        subprocess.run(
            [
                *self.as_postgres,
                pg_bin("pg_ctl"),
                "-D",
                str(self.pgdata),
                "-m",
                "fast",
                "-w",
                "restart",
                "-o",
                f"-p {self.pg_port} -k {self.tmp} -c listen_addresses=127.0.0.1",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def pg_stop(self):
        subprocess.run(
            [*self.as_postgres, pg_bin("pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def redis_start(self):
        self.redis = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        time.sleep(0.3)

    def redis_stop(self):
        if self.redis:
            self.redis.terminate()
            self.redis.wait(10)
            self.redis = None

    def web_start(self):
        self.web = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "unionhub.wsgi",
                "-b",
                f"127.0.0.1:{self.web_port}",
                "-w",
                "4",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
            stdout=open(self.tmp / "web.log", "a"),
            stderr=subprocess.STDOUT,
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}/api/v1/health/", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def web_kill(self):
        if self.web:
            os.killpg(self.web.pid, signal.SIGKILL)
            self.web.wait(10)
            self.web = None

    def worker_start(self):
        self.worker = subprocess.Popen(
            [
                PY,
                "-m",
                "celery",
                "-A",
                "unionhub",
                "worker",
                "-Q",
                "default,messages,heavy",
                "-c",
                "2",
                "-l",
                "WARNING",
            ],
            cwd=ROOT,
            env=self.env,
            start_new_session=True,
            stdout=open(self.tmp / "worker.log", "a"),
            stderr=subprocess.STDOUT,
        )
        time.sleep(3)

    def worker_kill(self):
        if self.worker:
            os.killpg(self.worker.pid, signal.SIGKILL)
            self.worker.wait(10)
            self.worker = None

    def manage(self, *args, check=True) -> str:
        done = subprocess.run(
            [PY, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if check and done.returncode:
            raise RuntimeError(done.stderr[-2000:])
        return done.stdout

    def shell(self, code: str) -> str:
        return self.manage("shell", "-c", code)

    def sql(self, query: str) -> str:
        return subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres", "-d", "uh", "-Atc", query],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    def up(self):
        subprocess.run(
            [
                *self.as_postgres,
                pg_bin("initdb"),
                "-D",
                str(self.pgdata),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.pg_start()
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres", "uh"], check=True
        )
        self.redis_start()
        self.manage("migrate", "--noinput", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        self.web_start()
        self.worker_start()

    def down(self):
        for stop in (self.web_kill, self.worker_kill, self.redis_stop, self.pg_stop):
            try:
                stop()
            except Exception as exc:  # keep stopping the rest
                print("stop:", exc, file=sys.stderr)
        shutil.rmtree(self.tmp, ignore_errors=True)


SEED = """
import json, datetime as dt
from rest_framework.authtoken.models import Token
from applications import services as apps
from members.models import UnionLevel
from tests.members import factories as f
city = f.union(name="市总工会", level=UnionLevel.CITY, accepts_members=False)
county = f.union(name="区总工会", level=UnionLevel.COUNTY, parent=city, accepts_members=False)
plant = f.union(name="厂工会", parent=county)
staff = f.staff(plant, admin=True, username="rehearsal-staff")
members, applications = [], []
for i in range(%(members)d):
    user, m = f.member(plant, joined_on=dt.date(2025, 1, 10))
    members.append({"token": Token.objects.get(user=user).key, "phone": user.person.phone})
for i in range(%(applicants)d):
    user = f.person_user(name=f"申请人{i}", born=dt.date(1990, 1, 1 + i %% 28))
    app = apps.join_application_submit(user=user, union=plant, unit_name="厂", employment_type="staff",
                                       hire_date=dt.date(2024, 3, 1), statement="我自愿加入中华全国总工会。")
    applications.append(app.pk)
print(json.dumps({"staff": Token.objects.get_or_create(user=staff)[0].key, "members": members,
                  "applications": applications, "union": plant.pk, "staff_id": staff.pk}))
"""


class Driver:
    def __init__(self, stack: Stack, seed: dict):
        self.stack, self.seed = stack, seed
        self.base = f"http://127.0.0.1:{stack.web_port}"
        self.next_member = 0
        self.next_app = 0
        self.lock = threading.Lock()
        self.acknowledged_orders: set[str] = set()
        self.unacknowledged: list[tuple[str, bytes, str]] = []
        self.approved: set[int] = set()

    def call(self, method, path, body=None, token=None, headers=None, raw=None) -> tuple[int | str, bytes]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Token {token}")
        for k, v in (headers or {}).items():
            request.add_header(k, v)
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            body = exc.read()
            ctype = exc.headers.get("Content-Type", "")
            return (exc.code if "json" in ctype else f"{exc.code} html"), body
        except OSError:
            return "conn", b""

    def _member(self):
        with self.lock:
            member = self.seed["members"][self.next_member % len(self.seed["members"])]
            self.next_member += 1
            return member

    def pay(self) -> list:
        """One payment: order, then the provider's signed notification."""
        import hashlib
        import hmac

        member = self._member()
        status, body = self.call(
            "POST", "/api/v1/me/dues/payments/", {"year": 2025, "through_month": 1}, token=member["token"]
        )
        out = [status]
        if status != 201:
            return out
        order = json.loads(body)
        note = json.dumps(
            {
                "order_no": order["order_no"],
                "amount": order["amount"],
                "transaction_id": "TX-" + order["order_no"],
                "paid_at": time.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
            }
        ).encode()
        signature = hmac.new(SANDBOX_SECRET.encode(), note, hashlib.sha256).hexdigest()
        status, _ = self.call(
            "POST", "/api/v1/payments/sandbox/notify/", raw=note, headers={"X-Sandbox-Signature": signature}
        )
        out.append(status)
        with self.lock:
            if status == 200:
                self.acknowledged_orders.add(order["order_no"])
            else:
                self.unacknowledged.append((order["order_no"], note, signature))
        return out

    def approve(self) -> list:
        with self.lock:
            if self.next_app >= len(self.seed["applications"]):
                return []
            pk = self.seed["applications"][self.next_app]
            self.next_app += 1
        status, _ = self.call(
            "POST",
            f"/api/v1/join-applications/{pk}/approve/",
            {"dues_mode": "self_pay", "comment": "同意"},
            token=self.seed["staff"],
        )
        if status == 200:
            with self.lock:
                self.approved.add(pk)
        return [status]

    def login_and_calendar(self) -> list:
        member = self._member()
        first, _ = self.call(
            "POST", "/api/v1/auth/token/", {"username": member["phone"], "password": MEMBER_PASSWORD}
        )
        second, _ = self.call("GET", "/api/v1/me/dues/2025/", token=member["token"])
        return [first, second]

    def load(self, seconds: float, during=None) -> Counter:
        """Mixed load from 4 threads for `seconds`; `during` runs in the middle of it."""
        statuses: Counter = Counter()
        stop = time.monotonic() + seconds
        work = [self.pay, self.pay, self.approve, self.login_and_calendar]

        def loop(i):
            n = 0
            while time.monotonic() < stop:
                for status in work[(i + n) % len(work)]():
                    statuses[status] += 1
                n += 1

        with ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(loop, i) for i in range(4)]
            if during:
                time.sleep(seconds / 4)
                during()
            for future in futures:
                future.result()
        return statuses

    def provider_retries(self) -> int:
        """The provider sends every unacknowledged notification again until it is answered 200."""
        retried = 0
        for _round in range(5):
            pending, self.unacknowledged = self.unacknowledged, []
            for order_no, note, signature in pending:
                status, _ = self.call(
                    "POST",
                    "/api/v1/payments/sandbox/notify/",
                    raw=note,
                    headers={"X-Sandbox-Signature": signature},
                )
                retried += 1
                if status == 200:
                    self.acknowledged_orders.add(order_no)
                else:
                    self.unacknowledged.append((order_no, note, signature))
            if not self.unacknowledged:
                break
            time.sleep(1)
        return retried


MEMBER_PASSWORD = "Member-pass-123"


def checks(stack: Stack, driver: Driver) -> dict:
    """What the database says after recovery."""
    orders = ",".join(f"'{o}'" for o in driver.acknowledged_orders) or "''"
    lost_payments = int(
        stack.sql(f"SELECT count(*) FROM dues_paymentorder WHERE order_no IN ({orders}) AND status <> 'paid'")
    )
    double = int(
        stack.sql(
            "SELECT count(*) FROM (SELECT membership_id, month FROM dues_paidmonth "
            "GROUP BY 1, 2 HAVING count(*) > 1) d"
        )
    )
    double += int(
        stack.sql(
            "SELECT count(*) FROM (SELECT order_no FROM dues_paymentnotification "
            "WHERE outcome = 'credited' GROUP BY 1 HAVING count(*) > 1) d"
        )
    )
    approved = ",".join(str(pk) for pk in driver.approved) or "0"
    lost_approvals = int(
        stack.sql(
            f"SELECT count(*) FROM applications_joinapplication WHERE id IN ({approved}) "
            "AND state <> 'approved'"
        )
    )
    pending_sms = int(
        stack.sql(
            "SELECT count(*) FROM unionhub_outboxmessage WHERE channel <> 'inbox' AND status = 'pending'"
        )
    )
    pending_jobs = int(
        stack.sql("SELECT count(*) FROM members_importjob WHERE status NOT IN ('done', 'rejected', 'failed')")
    )
    unfinished_sweeps = int(stack.sql("SELECT count(*) FROM dues_sweeprun WHERE status <> 'done'"))
    return {
        "lost": lost_payments + lost_approvals,
        "duplicated": double,
        "pending_sms": pending_sms,
        "pending_jobs": pending_jobs,
        "unfinished_sweeps": unfinished_sweeps,
    }


RECOVER = """
import datetime as dt
from django.utils import timezone
from notifications.tasks import outbox_deliver_pending
from datawork.imports import import_jobs_recover
from dues.services.arrears import dues_sweep_check
outbox_deliver_pending()
print(import_jobs_recover(now=timezone.now() + dt.timedelta(minutes=31)))
print(dues_sweep_check())
"""


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(2))  # a timeout still stops everything started
    stack = Stack()
    rows = []
    try:
        print("starting PostgreSQL, Redis, gunicorn (4 workers), a Celery worker ...", flush=True)
        stack.up()
        seed = json.loads(stack.shell(SEED % {"members": 20, "applicants": 60}).strip().splitlines()[-1])
        driver = Driver(stack, seed)

        def phase(name, seconds, during=None, after=None):
            statuses = driver.load(seconds, during)
            if after:
                after()
            time.sleep(2)
            retried = driver.provider_retries()
            stack.shell(RECOVER)
            time.sleep(3)  # the worker sends what the outbox queued
            result = checks(stack, driver)
            errors = {str(k): v for k, v in statuses.items() if k not in (200, 201)}
            recovered = (
                result["lost"] == 0
                and result["duplicated"] == 0
                and result["pending_jobs"] == 0
                and not driver.unacknowledged
            )
            rows.append(
                {
                    "fault": name,
                    "requests": sum(statuses.values()),
                    "errors": errors,
                    "retried": retried,
                    **result,
                    "recovered": recovered,
                }
            )
            print(rows[-1], flush=True)

        phase("none (baseline)", 6)

        def redis_outage():
            stack.redis_stop()
            time.sleep(6)
            stack.redis_start()

        phase("Redis stopped 6 s, restarted (no persistence)", 12, redis_outage)
        phase("PostgreSQL restart (fast)", 8, stack.pg_restart)

        def web_killed():
            stack.web_kill()
            time.sleep(1)
            stack.web_start()

        phase("gunicorn SIGKILL (all), restarted", 8, web_killed)

        def import_and_kill_worker():
            stack.shell(IMPORT % {"union": seed["union"], "staff": seed["staff_id"], "rows": 20000})
            time.sleep(4)
            stack.worker_kill()
            time.sleep(1)
            stack.worker_start()

        phase("worker SIGKILL during a 20,000-row import", 14, import_and_kill_worker)
        time.sleep(20)  # the re-queued import runs
        rows[-1].update(checks(stack, driver))
        rows[-1]["recovered"] = rows[-1]["pending_jobs"] == 0 and rows[-1]["lost"] == 0
        jobs = stack.sql("SELECT status || ':' || created_count || ':' || attempts FROM members_importjob")
        print("import jobs (status:created:attempts):", jobs)
    finally:
        stack.down()
    print()
    print(
        "| fault | requests | errors by status | lost | duplicated | SMS pending after | jobs pending after | "
        "recovered by itself |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(row["errors"].items())) or "none"
        print(
            f"| {row['fault']} | {row['requests']} | {errors} | {row['lost']} | {row['duplicated']} | "
            f"{row['pending_sms']} | {row['pending_jobs']} | {'yes' if row['recovered'] else 'NO'} |"
        )
    return 0 if rows and all(row["recovered"] for row in rows) else 1


IMPORT = """
import csv, io, datetime as dt
from datawork import imports, roster
from members.models import Union, User
from unionhub.lib import idnumber
out = io.StringIO()
writer = csv.writer(out)
writer.writerow(roster.TEMPLATE_HEADERS)
for n in range(%(rows)d):
    born = dt.date(1960, 1, 1) + dt.timedelta(days=n %% 10000)
    row = {"序号": n, "姓名": f"导入{n}", "性别": "男", "身份证号码": idnumber.make("420502", born, 1 + 2 * (n // 10000))}
    writer.writerow([row.get(h, "") for h in roster.TEMPLATE_HEADERS])
services.import_job_create(union=Union.objects.get(pk=%(union)d), actor=User.objects.get(pk=%(staff)d),
                          file_name="rehearsal.csv", data=out.getvalue().encode())
"""


if __name__ == "__main__":
    sys.exit(main())
