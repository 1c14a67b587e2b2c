"""gunicorn settings read from the working directory (`gunicorn unionhub.wsgi:application`); every value can be
overridden from the environment (GUNICORN_*), command-line flags still win.

Worker class and counts are those the benchmark measures (bench/http.py, `make bench`): threaded workers
(gthread), 2 processes × 4 threads per web container or host; scale out with more web replicas rather than more
workers per replica, and keep PgBouncer's pool (deploy/pgbouncer) at least workers × threads per replica.

The access log leaves the query string out (`%(U)s` is the path only) and passes every atom (referer, headers)
through the masking filter of Django's logs (unionhub.gunicorn_logging.GunicornLogger): an ID number or a phone never
reaches it in clear."""

import os
import shutil
from pathlib import Path

from prometheus_client import multiprocess


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


wsgi_app = "unionhub.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = _int("GUNICORN_WORKERS", 2)
threads = _int("GUNICORN_THREADS", 4)
# An export or an import runs as a job in the heavy queue; a request that needs two minutes is a fault.
timeout = _int("GUNICORN_TIMEOUT", 120)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers after this many requests (0: never), jittered so they do not restart together.
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 0)
# Only the TLS proxy may say which scheme and client a request came with (X-Forwarded-Proto / -For).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket (`gunicornc`) only where asked for: one fixed path per user would be shared by every
# gunicorn on the host (tests, the benchmark, several replicas).
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")

logger_class = "unionhub.gunicorn_logging.GunicornLogger"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'


def on_starting(server):
    """prometheus-client's multiprocess mode (several workers): an empty shared directory at each start."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        Path(folder).mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
