"""Finding 8: the admin people search by ID number or phone put the number in the URL, and gunicorn's access log
(which Django's masking filter never sees) stored it. Now the search box POSTs and the results page has an opaque,
short-lived id; gunicorn logs paths without query strings, every atom masked; no log of a demo run holds a number."""

import io
import os
import subprocess
import time
import urllib.parse

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from security.scan import find_in_text
from tests.members import factories as f
from tests.security.test_production_settings import PYTHON, _free_port, production_env, request

pytestmark = pytest.mark.django_db


def test_a_search_by_id_number_or_phone_never_puts_the_number_in_a_url(city):
    user, _membership = f.member(city.branch, name="待查会员")
    person = user.person
    client = Client()
    client.force_login(city.grassroots_staff)
    changelist = reverse("admin:members_person_changelist")
    page = client.get(changelist).content.decode()
    assert 'method="post"' in page and reverse("admin:members_person_search") in page
    for number in (person.id_number, person.phone):
        response = client.post(reverse("admin:members_person_search"), {"q": number}, follow=True)
        urls = [url for url, _status in response.redirect_chain]
        assert urls and all(number not in url for url in urls), urls
        assert "sid=" in urls[-1]
        body = response.content.decode()
        assert "待查会员" in body and number not in body
        # typed into the address bar, it is moved out of it at once
        response = client.get(changelist, {"q": number})
        assert response.status_code == 302 and number not in response.url
    # a name search still works as a plain query; someone else's session cannot use the id
    assert (
        "待查会员"
        in client.post(reverse("admin:members_person_search"), {"q": "待查"}, follow=True).content.decode()
    )
    sid_url = client.post(reverse("admin:members_person_search"), {"q": person.phone}).url
    other = Client()
    other.force_login(city.grassroots_staff)
    assert "待查会员" not in other.get(sid_url).content.decode()


@pytest.fixture
def gunicorn_logs(transactional_db, tmp_path):
    """A real gunicorn with the repository's gunicorn.conf.py, production settings, its access log and the
    application log written to files in a temporary directory."""
    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    env = production_env(
        DATABASE_URL=url._replace(path="/" + connection.settings_dict["NAME"]).geturl(),
        GUNICORN_ACCESS_LOG=str(tmp_path / "access.log"),
        UNIONHUB_LOG_FILE=str(tmp_path / "app.log"),
    )
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
        for _ in range(150):
            try:
                request(port, "GET", "/api/v1/health/")
                break
            except OSError:
                time.sleep(0.1)
        yield port, tmp_path
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_gunicorn_access_log_holds_no_clear_number(gunicorn_logs, city):
    port, logs = gunicorn_logs
    user, _membership = f.member(city.branch)
    number, mobile = user.person.id_number, user.person.phone
    referer = f"https://unionhub.example.cn/admin/members/person/?q={mobile}"
    for path in (
        f"/admin/members/person/?q={number}",
        f"/api/v1/health/?phone={mobile}",
        f"/api/v1/unions/?search={number}",
        f"/card/verify/{number}/",
    ):
        request(port, "GET", path, headers={"Referer": referer, "User-Agent": f"agent {mobile}"})
    time.sleep(0.5)
    access = (logs / "access.log").read_text(encoding="utf-8")
    assert "/admin/members/person/" in access and "/api/v1/health/" in access, access
    assert number not in access and mobile not in access, access
    assert not list(find_in_text(access))
    out = io.StringIO()
    call_command("pii_scan", "--no-database", str(logs), stdout=out)
    assert "No personal numbers in clear." in out.getvalue()


def test_every_log_file_of_a_demo_run_holds_no_clear_number(transactional_db, tmp_path):
    url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "unionhub.settings.test",
        "LOG_LEVEL": "DEBUG",
        "DATABASE_URL": url._replace(path="/" + connection.settings_dict["NAME"]).geturl(),
        "UNIONHUB_LOG_FILE": str(tmp_path / "demo.log"),
    }
    result = subprocess.run(
        [PYTHON, "manage.py", "demo_city"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    (tmp_path / "demo-stderr.log").write_text(result.stderr, encoding="utf-8")
    assert (tmp_path / "demo.log").stat().st_size > 0
    out = io.StringIO()
    call_command("pii_scan", "--no-database", str(tmp_path), stdout=out)
    assert "No personal numbers in clear." in out.getvalue()
