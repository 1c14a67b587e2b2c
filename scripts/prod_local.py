"""The production topology from local processes, for rehearsal on a machine without Docker (`make prod-local`).

    python scripts/prod_local.py start | stop | status | env

nginx (TLS on 127.0.0.1, self-signed certificate made at start) → gunicorn (gunicorn.conf.py, production settings)
→ PgBouncer (transaction pooling, 127.0.0.1:6432) → the local PostgreSQL (database unionhub_prodlocal, made afresh);
Celery workers on their queues (default + heavy, messages) and beat on the local Redis, broker, cache and sessions
in separate databases (10, 11, 12). Migrations and collectstatic run once before web starts; a demo city is
built for the smoke test. Everything lives under var/prod-local/ (pids/, logs/, run/, the certificate and the
generated keys); `stop` ends exactly the processes whose pid files it finds there.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / "var" / "prod-local"
PIDS, LOGS, RUN = STATE / "pids", STATE / "logs", STATE / "run"
BIN = Path(sys.executable).parent

HTTPS_PORT = int(os.environ.get("PRODLOCAL_HTTPS_PORT", "8443"))
WEB_PORT = int(os.environ.get("PRODLOCAL_WEB_PORT", "8401"))
PGBOUNCER_PORT = int(os.environ.get("PRODLOCAL_PGBOUNCER_PORT", "6432"))
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, os.environ.get("PRODLOCAL_PG_USER", "postgres")
DB = os.environ.get("PRODLOCAL_DB", "unionhub_prodlocal")
REDIS = os.environ.get("PRODLOCAL_REDIS", "redis://127.0.0.1:6379")
REDIS_DBS = {"broker": 10, "cache": 11, "sessions": 12}
URL = f"https://localhost:{HTTPS_PORT}"

# Start order; stop runs it backwards.
SERVICES = ["pgbouncer", "web", "worker-default", "worker-messages", "beat", "proxy"]


def _keys() -> dict:
    path = STATE / "keys.json"
    if path.exists():
        return json.loads(path.read_text())
    from cryptography.fernet import Fernet

    keys = {
        "secret_key": secrets.token_urlsafe(64),
        "field_key": Fernet.generate_key().decode(),
        "hash_key": secrets.token_urlsafe(32),
        "sandbox_secret": secrets.token_urlsafe(32),
    }
    STATE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(keys))
    path.chmod(0o600)
    return keys


def app_env(*, direct: bool = False) -> dict:
    """The production environment of every process (direct: straight to PostgreSQL, for migrations)."""
    keys = _keys()
    db = (
        f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{DB}"
        if direct
        else f"postgres://{PG_USER}@127.0.0.1:{PGBOUNCER_PORT}/{DB}"
    )
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "UNIONHUB_", "DATABASE_"))},
        "DJANGO_SETTINGS_MODULE": "unionhub.settings.production",
        "DJANGO_SECRET_KEY": keys["secret_key"],
        "DJANGO_ALLOWED_HOSTS": "localhost,127.0.0.1",
        "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://localhost:{HTTPS_PORT},https://127.0.0.1:{HTTPS_PORT}",
        "UNIONHUB_FIELD_KEYS": keys["field_key"],
        "UNIONHUB_HASH_KEY": keys["hash_key"],
        "PAYMENT_PROVIDER": "sandbox",
        "PAYMENT_SANDBOX_SECRET": keys["sandbox_secret"],
        # a training deployment: the sandbox pays nothing and every page says so
        "UNIONHUB_ALLOW_SANDBOX_PAYMENTS": "true",
        "UNIONHUB_TRUSTED_PROXIES": "127.0.0.1/32",
        "UNIONHUB_SITE_URL": URL,
        "UNIONHUB_SMS_BACKEND": "console",
        "UNIONHUB_PRIVATE_MEDIA_ROOT": str(STATE / "private"),
        "DATABASE_URL": db,
        "DATABASE_POOL": "false" if direct else "true",
        "DATABASE_TRANSACTION_POOLING": "true",
        "REDIS_URL": f"{REDIS}/{REDIS_DBS['broker']}",
        "CELERY_BROKER_URL": f"{REDIS}/{REDIS_DBS['broker']}",
        "CACHE_REDIS_URL": f"{REDIS}/{REDIS_DBS['cache']}",
        "SESSION_REDIS_URL": f"{REDIS}/{REDIS_DBS['sessions']}",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "CELERY_LOG_LEVEL": "INFO",
        "GUNICORN_BIND": f"127.0.0.1:{WEB_PORT}",
        "GUNICORN_ACCESS_LOG": str(LOGS / "web-access.log"),
        "PROMETHEUS_MULTIPROC_DIR": str(RUN / "prometheus"),
        "PYTHONUNBUFFERED": "1",
    }


# --- configuration files ------------------------------------------------------------------------------------


def _certificate() -> None:
    if (RUN / "tls.crt").exists():
        return
    subprocess.run(  # noqa: S603 - openssl, our own arguments
        [
            shutil.which("openssl") or "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "7",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(RUN / "tls.key"),
            "-out",
            str(RUN / "tls.crt"),
        ],
        check=True,
        capture_output=True,
    )
    (RUN / "tls.key").chmod(0o600)


def _pgbouncer_ini() -> Path:
    path = RUN / "pgbouncer.ini"
    path.write_text(
        f"""[databases]
{DB} = host={PG_HOST} port={PG_PORT} dbname={DB} user={PG_USER}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {PGBOUNCER_PORT}
unix_socket_dir =
; loopback only, in front of a PostgreSQL that trusts loopback: no second password here
auth_type = any
pool_mode = transaction
max_client_conn = 400
default_pool_size = 20
server_reset_query =
ignore_startup_parameters = extra_float_digits
"""
    )
    return path


def _nginx_conf() -> Path:
    path = RUN / "nginx.conf"
    path.write_text(
        f"""worker_processes 1;
pid {RUN}/nginx.pid;
error_log {LOGS}/proxy-error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    # The path without its query string, as in gunicorn's access log
    log_format paths '$remote_addr [$time_local] "$request_method $uri $server_protocol" $status '
                     '$body_bytes_sent $request_time';
    access_log {LOGS}/proxy-access.log paths;
    client_body_temp_path {RUN}/nginx-body;
    proxy_temp_path {RUN}/nginx-proxy;
    fastcgi_temp_path {RUN}/nginx-fastcgi;
    uwsgi_temp_path {RUN}/nginx-uwsgi;
    scgi_temp_path {RUN}/nginx-scgi;
    server_tokens off;
    server {{
        listen 127.0.0.1:{HTTPS_PORT} ssl http2;
        server_name localhost 127.0.0.1;
        ssl_certificate {RUN}/tls.crt;
        ssl_certificate_key {RUN}/tls.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        client_max_body_size 40m;
        location /static/ {{
            alias {ROOT}/var/staticfiles/;
            expires 1y;
            add_header Cache-Control "public, immutable";
        }}
        location /metrics {{ return 404; }}
        location / {{
            proxy_pass http://127.0.0.1:{WEB_PORT};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto https;
            proxy_read_timeout 130s;
        }}
    }}
}}
"""
    )
    return path


# --- processes ---------------------------------------------------------------------------------------------


def _commands() -> dict[str, tuple[list[str], dict]]:
    env = app_env()
    celery = [str(BIN / "celery"), "-A", "unionhub"]
    pgbouncer = [shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"]
    if os.geteuid() == 0:
        pgbouncer += ["-u", PG_USER]  # PgBouncer refuses to run as root
    return {
        "pgbouncer": ([*pgbouncer, str(_pgbouncer_ini())], dict(os.environ)),
        "web": ([str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py")], env),
        "worker-default": (
            [
                *celery,
                "worker",
                "-Q",
                "default,heavy",
                "-n",
                "default@prodlocal",
                "-c",
                "2",
                "-l",
                "info",
            ],
            env,
        ),
        "worker-messages": (
            [*celery, "worker", "-Q", "messages", "-n", "messages@prodlocal", "-c", "2", "-l", "info"],
            env,
        ),
        "beat": ([*celery, "beat", "-l", "info", "-s", str(RUN / "celerybeat-schedule")], env),
        "proxy": (
            [
                shutil.which("nginx") or "/usr/sbin/nginx",
                "-c",
                str(_nginx_conf()),
                "-p",
                str(RUN),
                "-g",
                "daemon off;",
            ],
            dict(os.environ),
        ),
    }


def _spawn(name: str, args: list[str], env: dict) -> None:
    log = open(LOGS / f"{name}.log", "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(  # noqa: S603 - our own commands
        args,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    (PIDS / f"{name}.pid").write_text(str(proc.pid))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie left by a parent that has not reaped it yet is not running
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return True


def _running() -> dict[str, int]:
    found = {}
    for name in SERVICES:
        path = PIDS / f"{name}.pid"
        if path.exists() and _alive(pid := int(path.read_text())):
            found[name] = pid
    return found


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _wait_port(port: int, name: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _port_free(port):
            return
        if name not in _running():
            break
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not listen on {port}; see {LOGS / (name + '.log')}")


def _manage(*args: str, settings: str | None = None, direct: bool = True) -> str:
    env = app_env(direct=direct)
    if settings:
        env["DJANGO_SETTINGS_MODULE"] = settings
    out = subprocess.run(  # noqa: S603 - manage.py of this repository
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    with open(LOGS / "setup.log", "a") as log:
        log.write(f"$ manage.py {' '.join(args)}\n{out.stdout}{out.stderr}\n")
    if out.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return out.stdout


def _fresh_database() -> None:
    import psycopg

    with psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')


def _fresh_redis() -> None:
    import redis

    for number in REDIS_DBS.values():
        redis.Redis.from_url(f"{REDIS}/{number}").flushdb()


def ready(seconds: float = 90) -> None:
    context = ssl._create_unverified_context()  # noqa: S323 - the self-signed certificate made at start
    deadline, last = time.monotonic() + seconds, None
    while time.monotonic() < deadline:
        try:
            url = f"{URL}/health/ready/?format=json"  # https on loopback, never a file: or custom scheme
            with urllib.request.urlopen(url, timeout=5, context=context) as resp:  # noqa: S310
                if resp.status == 200:
                    return
        except OSError as exc:
            last = exc
        time.sleep(1)
    raise RuntimeError(f"not ready through the proxy: {last}")


def start() -> None:
    if running := _running():
        raise SystemExit(f"prod-local is already running ({', '.join(running)}); make prod-local-stop first")
    for port in (HTTPS_PORT, WEB_PORT, PGBOUNCER_PORT):
        if not _port_free(port):
            raise SystemExit(f"port {port} is taken on 127.0.0.1")
    for folder in (PIDS, LOGS, RUN, STATE / "private"):
        folder.mkdir(parents=True, exist_ok=True)
    for old in LOGS.glob("*.log"):
        old.unlink()
    (RUN / "prometheus").mkdir(exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(RUN, user=PG_USER)  # PgBouncer, running as that user, reads its ini there
        RUN.chmod(0o755)
    try:
        step("certificate, PgBouncer and nginx configuration")
        _certificate()
        commands = _commands()
        step(f"fresh database {DB}, Redis databases {sorted(REDIS_DBS.values())}")
        _fresh_database()
        _fresh_redis()
        step(f"PgBouncer (transaction pooling) on 127.0.0.1:{PGBOUNCER_PORT}")
        _spawn("pgbouncer", *commands["pgbouncer"])
        _wait_port(PGBOUNCER_PORT, "pgbouncer")
        step("migrate and collectstatic (once, before web)")
        _manage("migrate", "--noinput", "-v0")
        _manage("collectstatic", "--noinput", "--clear", "-v0")
        step("demo city for the smoke test (logins in var/prod-local/accounts.txt)")
        _manage("demo_city", settings="unionhub.settings.local")
        shutil.copy(ROOT / "var" / "demo-accounts.txt", STATE / "accounts.txt")
        step(f"gunicorn (gunicorn.conf.py, production settings) on 127.0.0.1:{WEB_PORT}")
        _spawn("web", *commands["web"])
        _wait_port(WEB_PORT, "web", 60)
        step("Celery workers (default,celery,heavy and messages) and beat")
        for name in ("worker-default", "worker-messages", "beat"):
            _spawn(name, *commands[name])
        step(f"nginx (TLS) on 127.0.0.1:{HTTPS_PORT}")
        _spawn("proxy", *commands["proxy"])
        _wait_port(HTTPS_PORT, "proxy")
        ready()
        if missing := set(SERVICES) - set(_running()):
            raise RuntimeError(f"not running: {', '.join(sorted(missing))}; see {LOGS}")
    except BaseException:
        stop()
        raise
    step(f"ready: {URL}/ (self-signed certificate); logs in {LOGS}; `make prod-local-stop` ends it")


def stop() -> None:
    for name in reversed(SERVICES):
        path = PIDS / f"{name}.pid"
        if not path.exists():
            continue
        pid = int(path.read_text())
        if _alive(pid):
            os.killpg(pid, signal.SIGTERM)  # the process group started for this service only
            deadline = time.monotonic() + 30
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if _alive(pid):
                os.killpg(pid, signal.SIGKILL)
            print(f"stopped {name} ({pid})", flush=True)
        path.unlink()


def status() -> int:
    running = _running()
    for name in SERVICES:
        print(f"{name:16} {'running ' + str(running[name]) if name in running else 'stopped'}")
    return 0 if len(running) == len(SERVICES) else 1


def step(text: str) -> None:
    print(f"prod-local: {text}", flush=True)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        start()
    elif command == "stop":
        stop()
    elif command == "status":
        return status()
    elif command == "env":
        print(json.dumps({"url": URL, "logs": str(LOGS), "accounts": str(STATE / "accounts.txt")}))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
