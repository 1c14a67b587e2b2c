"""Load through gunicorn (2 workers) on loopback with wrk: requests per second and errors."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def db_env() -> dict:
    """The environment of a child process that must use this process's database (under pytest: the test one)."""
    from django.db import connection

    d = connection.settings_dict
    url = f"postgres://{d['USER']}@{d['HOST'] or '127.0.0.1'}:{d['PORT'] or 5432}/{d['NAME']}"
    return {**os.environ, "DATABASE_URL": url}


@contextmanager
def gunicorn(workers: int = 2, threads: int = 1):
    port = free_port()
    env = {
        **db_env(),
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "unionhub.settings.local"),
        "DJANGO_DEBUG": "false",
        "DATABASE_POOL": "true",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        # gunicorn.conf.py (the production configuration) with the counts under measurement
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKER_CLASS": "gthread" if threads > 1 else "sync",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_THREADS": str(threads),
        "GUNICORN_LOG_LEVEL": "warning",
    }
    exe = Path(sys.executable).with_name("gunicorn")
    args = [str(exe), "--config", str(Path(settings.BASE_DIR) / "gunicorn.conf.py")]
    proc = subprocess.Popen(args, cwd=settings.BASE_DIR, env=env)  # noqa: S603 - our own gunicorn
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health/", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def wrk(
    url: str, *, seconds: int = 10, connections: int = 8, threads: int = 2, script: str | None = None
) -> dict:
    """Run wrk against url (loopback only); requests/s, non-2xx responses and socket errors."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("load goes to loopback only")
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: apt-get install -y wrk")
    cmd = [shutil.which("wrk"), "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(  # noqa: S603 - wrk, our own arguments
        cmd + [url],
        capture_output=True,
        text=True,
        check=True,  # noqa: S603
        timeout=seconds + 60,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket_errors:
        errors += sum(int(x) for x in socket_errors.groups())
    return {"rps": rps, "requests": total, "errors": errors, "raw": out}
