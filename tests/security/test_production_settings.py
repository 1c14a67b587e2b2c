"""Production settings, checked on a real server: `check --deploy` clean, security headers, __Host- cookies."""

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.parse
from http.cookies import SimpleCookie

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from tests.conftest import postgres_only
from tests.members import factories as f

HOST = "unionhub.example.cn"
PYTHON = sys.executable


def production_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "UNIONHUB_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "unionhub.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
            "UNIONHUB_FIELD_KEYS": settings.UNIONHUB_FIELD_KEYS[0],
            "UNIONHUB_HASH_KEY": settings.UNIONHUB_HASH_KEY,
            "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/unionhub"),
            "REDIS_URL": "redis://127.0.0.1:6379/9",
            "DJANGO_ALLOWED_HOSTS": HOST,
            "PAYMENT_PROVIDER": "wechatpay",  # production refuses the sandbox (tests/security/test_sandbox_refused.py)
        }
    )
    env.update(extra)
    return env


def manage(*args, env):
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_at_warning_level():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_its_secrets():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set in production" in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def production_server(transactional_db, tmp_path):
    """gunicorn serving the production settings against the test database."""
    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    env = production_env(
        DATABASE_URL=url._replace(path="/" + connection.settings_dict["NAME"]).geturl(),
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
    )
    result = manage("collectstatic", "--noinput", env=env)
    assert result.returncode == 0, result.stderr
    port = _free_port()
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "unionhub.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def request(port, method, path, *, https=True, headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    all_headers = {"Host": HOST, **({"X-Forwarded-Proto": "https"} if https else {}), **(headers or {})}
    conn.request(method, path, body=body, headers=all_headers)
    response = conn.getresponse()
    response.text = response.read().decode()
    conn.close()
    return response


def cookies(response) -> dict[str, str]:
    """Raw Set-Cookie lines by cookie name."""
    return {line.split("=", 1)[0]: line for line in response.headers.get_all("Set-Cookie") or []}


@postgres_only()
def test_real_responses_carry_the_security_headers_and_host_cookies(production_server):
    port = production_server
    user = f.person_user()
    user.password = PBKDF2PasswordHasher().encode(f.PASSWORD, PBKDF2PasswordHasher().salt())
    user.save()

    page = request(port, "GET", "/login/")
    assert page.status == 200, page.text
    h = page.headers
    assert h["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    csp = h["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"
    assert h["X-Frame-Options"] == "DENY"
    assert "no-store" in h["Cache-Control"]
    csrf_line = cookies(page)["__Host-csrftoken"]
    assert "Secure" in csrf_line and "Path=/" in csrf_line and "Domain" not in csrf_line

    csrf_cookie = SimpleCookie(csrf_line)["__Host-csrftoken"].value
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    login = request(
        port,
        "POST",
        "/login/",
        body=urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": user.person.phone, "password": f.PASSWORD}
        ),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"__Host-csrftoken={csrf_cookie}",
            "Origin": f"https://{HOST}",
            "Referer": f"https://{HOST}/login/",
        },
    )
    assert login.status == 302, login.text
    session_line = cookies(login)["__Host-sessionid"]
    for part in ("Secure", "HttpOnly", "Path=/", "SameSite=Lax", f"Max-Age={settings.SESSION_COOKIE_AGE}"):
        assert part in session_line
    assert "Domain" not in session_line
    assert "Strict-Transport-Security" in login.headers

    api = request(port, "GET", "/api/v1/me/")
    assert api.status == 401
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in api.headers["Content-Security-Policy"]


@postgres_only()
def test_plain_http_is_redirected_to_https(production_server):
    response = request(production_server, "GET", "/login/", https=False)
    assert response.status == 301
    assert response.headers["Location"] == f"https://{HOST}/login/"


@pytest.mark.parametrize("module", ["production", "local"])
def test_admin_two_factor_is_required_by_default_outside_tests(module):
    env = production_env(DJANGO_SETTINGS_MODULE=f"unionhub.settings.{module}")
    result = subprocess.run(
        [PYTHON, "-c", "from django.conf import settings; print(settings.UNIONHUB_REQUIRE_ADMIN_2FA)"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "True", result.stderr
