"""Error reports through the real sentry-sdk client to a local HTTP server standing in for Sentry."""

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from unionhub.sentry import before_breadcrumb, before_send

ROOT = Path(__file__).resolve().parents[2]
ID_NUMBER = "42050219900101123X"
PHONE = "13812345678"

SCRIPT = f"""
import logging
import django
django.setup()
import sentry_sdk

def look_up(id_number, phone):
    person = {{"id_number": id_number, "phones": [phone]}}
    raise ValueError("no member with " + id_number + " / " + phone)

logging.getLogger("members").warning("looking up %s", "{PHONE}")
sentry_sdk.add_breadcrumb(category="lookup", message="phone {PHONE}", data={{"id": "{ID_NUMBER}"}})
try:
    look_up("{ID_NUMBER}", "{PHONE}")
except ValueError:
    sentry_sdk.capture_exception()
sentry_sdk.capture_message("member {ID_NUMBER} called from {PHONE}")
sentry_sdk.flush(timeout=10)
"""


class FakeSentry(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        FakeSentry.received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_server():
    FakeSentry.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeSentry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_events_reach_sentry_without_id_numbers_or_phones(sentry_server):
    port = sentry_server.server_address[1]
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environ.update(
        DJANGO_SETTINGS_MODULE="unionhub.settings.test", SENTRY_DSN=f"http://public@127.0.0.1:{port}/1"
    )
    subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=environ, check=True, timeout=120)

    assert FakeSentry.received, "no envelope reached the server"
    text = b"\n".join(FakeSentry.received).decode()
    events = []
    for envelope in FakeSentry.received:
        for line in envelope.decode().splitlines():
            if line.startswith("{"):
                item = json.loads(line)
                if "event_id" in item and ("exception" in item or "message" in item or "logentry" in item):
                    events.append(item)
    exception = next(e for e in events if "exception" in e)
    frame = exception["exception"]["values"][0]["stacktrace"]["frames"][-1]
    assert frame["function"] == "look_up" and "id_number" in frame["vars"]  # frame variables were sent ...
    assert "420502********123X" in text and "138****5678" in text  # ... masked
    crumbs = exception["breadcrumbs"]["values"]
    assert any(c.get("category") == "lookup" for c in crumbs) and any(
        c.get("category") == "members" for c in crumbs
    )
    assert ID_NUMBER not in text and PHONE not in text


def test_hooks_scrub_nested_values():
    event = {"message": f"x {PHONE}", "extra": {"rows": [{"id": ID_NUMBER}], "n": 3}, "level": "error"}
    assert before_send(event) == {
        "message": "x 138****5678",
        "extra": {"rows": [{"id": "420502********123X"}], "n": 3},
        "level": "error",
    }
    assert before_breadcrumb({"message": PHONE, "data": {"k": (ID_NUMBER,)}})["data"]["k"][0] != ID_NUMBER
