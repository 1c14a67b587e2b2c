import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import django
django.setup()
from django.test import Client
Client().get("/no-such-page/13812345678/", HTTP_X_REQUEST_ID="req-42", HTTP_HOST="127.0.0.1")
Client().get("/no-such-page/", HTTP_HOST="127.0.0.1")
"""


@pytest.mark.django_db
def test_request_id_is_kept_or_made_and_echoed(client):
    response = client.get("/health/live/", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    made = client.get("/health/live/", HTTP_X_REQUEST_ID="<script>alert(1)</script>")["X-Request-ID"]
    assert len(made) == 32 and made.isalnum()
    assert client.get("/health/live/")["X-Request-ID"] != made


def _run(log_format: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SENTRY_DSN")}
    environ.update(DJANGO_SETTINGS_MODULE="unionhub.settings.test", LOG_FORMAT=log_format)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stderr


def test_json_logs_carry_the_request_id_and_no_phone_in_clear():
    records = [json.loads(line) for line in _run("json").splitlines() if line.startswith("{")]
    not_found = [r for r in records if r.get("logger") == "django.request"]
    assert len(not_found) == 2
    first, second = not_found
    assert first["request_id"] == "req-42" and first["level"] == "WARNING"
    assert "13812345678" not in first["message"] and "no-such-page" in first["message"]
    assert len(second["request_id"]) == 32
    assert {"time", "level", "logger", "message", "request_id"} <= set(first)


def test_plain_logs_stay_plain_with_the_request_id():
    lines = [line for line in _run("plain").splitlines() if "django.request" in line]
    assert lines and "[req-42]" in lines[0] and not lines[0].startswith("{")
    assert "13812345678" not in lines[0]


def test_the_id_is_cleared_when_the_request_has_finished(client, db):
    from unionhub.lib import requestid

    client.get("/health/live/", HTTP_X_REQUEST_ID="done-1")
    assert requestid.current.get() == "-"
