"""bench_city and bench_run on a tiny city (PostgreSQL only; not timed)."""

import json
import shutil

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from applications.models import JoinApplication
from bench import runner
from dues.models import PaidMonth, PaymentOrder
from members.models import Membership
from tests.members import factories as f

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the bench runs on PostgreSQL")


@pytest.mark.django_db(transaction=True)
def test_bench_city_and_run_on_a_tiny_city(tmp_path, monkeypatch):
    call_command("bench_city", "--members", "2000")
    assert Membership.objects.count() == 2000
    assert JoinApplication.objects.count() == 2000
    assert set(JoinApplication.objects.values_list("state", flat=True).distinct()) >= {
        "submitted",
        "dispatched",
        "verified",
        "approved",
        "rejected",
        "withdrawn",
    }
    assert PaidMonth.objects.count() > 2000 * 10
    assert PaymentOrder.objects.filter(status="pending").exists()

    monkeypatch.setattr(runner, "RESULTS_DIR", tmp_path)
    if shutil.which("wrk") is None:
        from bench import measure

        monkeypatch.setattr(measure, "notifications", lambda report, **kw: None)
    call_command("bench_run", "--quick")
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["meta"]["members"] == 2000
    names = [r["name"] for r in data["results"]]
    assert any(n.startswith("arrears sweep") for n in names)
    assert any("roster import" in n for n in names)
    rows = {r["name"]: r for r in data["results"]}
    drain = next(r for n, r in rows.items() if n.startswith("outbox drain, "))
    assert drain["met"] and drain["sent"] == 2000 and drain["left"] == 0  # every queued message sent once
    job = next(r for n, r in rows.items() if n.startswith("roster of the whole city as an export job"))
    assert job["met"] and job["sheets"] == 1 and job["rows"] > 0, job
    assert any(n.startswith("dues calendar through gunicorn") for n in names)
    raw = next(r for n, r in rows.items() if "hand-written psycopg client" in n)
    assert raw["baseline"] > 0 and raw["raw_errors"] == 0
    assert "| measurement |" in (tmp_path / "results.md").read_text()
    sweep = data["results"][0]
    assert sweep["in_arrears"] == sweep["statement_rows"]  # the sweep and the hand-written statement agree


@pytest.mark.django_db
def test_bench_city_refuses_a_database_with_real_data():
    f.person_user()
    with pytest.raises(CommandError):
        call_command("bench_city", "--members", "100")
