"""Smoke test of the rehearsed production topology (`make prod-local-smoke`, or `make prod-smoke` against a
running `make prod-local`): everything goes through nginx over HTTPS to gunicorn with the production settings,
PgBouncer in transaction pooling and the Celery workers.

API: a worker registers (asking for an SMS code when registration wants one, read from the console SMS log of
the process that sent it, matched by the masked phone), applies to the power company's union with a proof,
union staff approve. Browser (Playwright, Debian chromium): the new member sees the membership, pays in the
sandbox's training mode, staff export the union's roster from the admin (a job; its page gives the link). Readiness is checked through the proxy
first. Not part of the normal suite: it runs only when UNIONHUB_PRODLOCAL_URL is set."""

import datetime as dt
import io
import json
import os
import re
import secrets
import time
from pathlib import Path

import openpyxl
import pytest
import requests
from PIL import Image

from unionhub.lib import idnumber
from unionhub.lib import phone as phones

URL = os.environ.get("UNIONHUB_PRODLOCAL_URL", "").rstrip("/")
STATE = Path(__file__).resolve().parents[2] / "var" / "prod-local"
LOGS = STATE / "logs"
STAFF_UNION = "宜昌电力设备有限公司工会委员会"  # the union of the demo staff login power_staff
STAFF_LOGIN = "power_staff"

pytestmark = [
    pytest.mark.prodlocal,
    pytest.mark.skipif(not URL, reason="needs a running `make prod-local` (UNIONHUB_PRODLOCAL_URL)"),
]
CERT = str(STATE / "run" / "tls.crt")  # the self-signed certificate made by prod-local: verified, not ignored


def _accounts() -> dict[str, str]:
    lines = (STATE / "accounts.txt").read_text().splitlines()[1:]
    return {cols[1]: cols[2] for cols in (line.split("\t") for line in lines) if len(cols) == 3}


class Api:
    def __init__(self, token: str | None = None):
        self.http = requests.Session()
        self.http.trust_env = False  # no CA bundle or proxy from the environment overrides the certificate
        self.http.verify = CERT
        if token:
            self.http.headers["Authorization"] = f"Token {token}"

    def __call__(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.http.request(method, f"{URL}/api/v1/{path}", timeout=30, **kwargs)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (180, 20, 20)).save(out, "PNG")
    return out.getvalue()


def _sms_codes(phone: str) -> list[str]:
    """Every code the console SMS backend logged for this phone (masked), from web or a worker."""
    masked, codes = phones.mask(phone), []
    for log in ("web.log", "worker-messages.log", "worker-default.log"):
        path = LOGS / log
        if path.exists():
            for line in path.read_text(errors="replace").splitlines():
                if "SMS to " + masked in line and (found := re.search(r"template .*?\b(\d{6})\b", line)):
                    codes.append(found.group(1))
    return codes


def _sms_code(phone: str, before: int, seconds: float = 60) -> str:
    """The code sent after `before` codes had been logged for this phone (waits for the messages worker)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        codes = _sms_codes(phone)
        if len(codes) > before:
            return codes[-1]
        time.sleep(0.5)
    raise AssertionError(f"no new SMS code for {phones.mask(phone)} in {LOGS}")


def _register(name: str, id_number: str, phone: str, password: str) -> str:
    api = Api()
    body = {"name": name, "id_number": id_number, "phone": phone, "password": password}
    answer = api("POST", "auth/register/", json=body)
    if answer.status_code == 400 and "sms_code" in answer.text:
        before = len(_sms_codes(phone))
        sent = api("POST", "auth/sms-codes/", json={"phone": phone, "purpose": "register"})
        assert sent.status_code == 202, sent.text
        answer = api("POST", "auth/register/", json={**body, "sms_code": _sms_code(phone, before)})
    assert answer.status_code == 201, answer.text
    return answer.json()["token"]


def test_ready_through_the_proxy():
    answer = requests.get(f"{URL}/health/ready/?format=json", verify=CERT, timeout=30)
    assert answer.status_code == 200, answer.text
    assert set(answer.json().values()) == {"OK"}
    assert requests.get(f"{URL}/metrics", verify=CERT, timeout=10).status_code == 404  # never public
    # the proxy sends plain HTTP on to HTTPS-only settings: the app sees https (HSTS, secure cookies)
    assert "max-age=31536000" in requests.get(f"{URL}/login/", verify=CERT, timeout=30).headers.get(
        "Strict-Transport-Security", ""
    )


def test_register_apply_approve_pay_export():
    from playwright.sync_api import sync_playwright

    suffix = secrets.randbelow(10**8)
    phone = f"139{suffix:08d}"
    id_number = idnumber.make("420502", dt.date(1991, 6, 1 + suffix % 28), suffix % 1000)
    password = f"Smoke-{secrets.token_hex(4)}-pw"
    token = _register("冒烟测试", id_number, phone, password)
    member = Api(token)
    # a login by SMS code: the code travels through the console backend's log, masked phone and all
    before = len(_sms_codes(phone))
    sent = Api()("POST", "auth/sms-codes/", json={"phone": phone, "purpose": "login"})
    if sent.status_code == 429:  # one code a phone per 60 s: the register code was just sent
        time.sleep(sent.json()["resend_after"] + 1)
        sent = Api()("POST", "auth/sms-codes/", json={"phone": phone, "purpose": "login"})
    assert sent.status_code == 202, sent.text
    by_code = Api()("POST", "auth/sms-login/", json={"phone": phone, "sms_code": _sms_code(phone, before)})
    assert by_code.status_code == 200 and by_code.json()["token"], by_code.text
    for log in LOGS.glob("*.log"):
        assert phone not in log.read_text(errors="replace"), log  # never a phone in clear

    unions = member("GET", "unions/", params={"search": STAFF_UNION}).json()
    unions = unions["results"] if isinstance(unions, dict) else unions
    union = next(u for u in unions if u["name"] == STAFF_UNION)
    applied = member(
        "POST",
        "me/join-applications/",
        data={
            "union": union["id"],
            "unit_name": "宜昌电力设备有限公司",
            "employment_type": "staff",
            "hire_date": "2024-03-01",
        },
        files={"proof": ("letter.png", _png(), "image/png")},
    )
    assert applied.status_code == 201, applied.text

    login = Api()("POST", "auth/token/", json={"username": STAFF_LOGIN, "password": _accounts()[STAFF_LOGIN]})
    assert login.status_code == 200, login.text
    staff = Api(login.json()["token"])
    approved = staff(
        "POST",
        f"join-applications/{applied.json()['id']}/approve/",
        json={"dues_mode": "self_pay", "comment": "同意入会（冒烟测试）"},
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved"
    me = member("GET", "me/").json()
    assert me["membership"]["status"] == "active" and me["phone_masked"] == phones.mask(phone)

    year = dt.date.today().year
    calendar = member("GET", f"me/dues/{year}/").json()
    assert calendar["payable"], calendar
    order = member(
        "POST",
        "me/dues/payments/",
        json={"year": year, "through_month": calendar["payable"]["min_through"], "extra_amount": "0.00"},
    )
    assert order.status_code == 201, order.text
    order = order.json()

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            context = browser.new_context(ignore_https_errors=True, locale="zh-CN")
            page = context.new_page()
            page.goto(f"{URL}/login/")
            page.fill("#id_username", phone)
            page.fill("#id_password", password)
            page.click("button[type=submit]")
            page.wait_for_url(f"{URL}/")
            assert page.get_by_test_id("membership-status").inner_text() == "正常"
            assert "培训系统" in page.content()  # a training deployment says so on every page
            cookies = {c["name"]: c for c in context.cookies()}
            assert cookies["__Host-sessionid"]["secure"] and cookies["__Host-sessionid"]["httpOnly"]

            pay_url = order["pay_url"] if order["pay_url"].startswith("http") else URL + order["pay_url"]
            page.goto(pay_url)
            page.get_by_test_id("sandbox-pay").click()
            page.wait_for_url(re.compile(r".*/dues/\?year=\d+"))
            assert "支付成功" in page.content()
            paid = next(
                o for o in member("GET", "me/dues/payments/").json() if o["order_no"] == order["order_no"]
            )
            assert paid["status"] == "paid" and paid["receipt_no"], paid

            desk = context.browser.new_context(ignore_https_errors=True, locale="zh-CN").new_page()
            desk.goto(f"{URL}/admin/login/")
            desk.fill("#id_username", STAFF_LOGIN)
            desk.fill("#id_password", _accounts()[STAFF_LOGIN])
            desk.click("input[type=submit]")
            desk.wait_for_url(re.compile(r".*/admin/$"))
            # the export runs as a job on the heavy queue: its page shows progress, then the download link
            desk.goto(f"{URL}/admin/datawork/unionreview/{union['id']}/export/roster/")
            desk.get_by_test_id("export-start").click()  # the export starts only from its form (POST)
            link = desk.get_by_test_id("export-download")
            link.wait_for(timeout=90_000)  # the page reloads itself until the job is done
            with desk.expect_download() as download:
                link.click()
            data = Path(download.value.path()).read_bytes()
            cells = [
                str(value)
                for row in openpyxl.load_workbook(io.BytesIO(data), read_only=True).active.iter_rows(
                    values_only=True
                )
                for value in row
                if value is not None
            ]
            assert "冒烟测试" in cells  # the member approved a minute ago is on the roster
            assert id_number not in cells and idnumber.mask(id_number) in cells  # masked unless revealed
        finally:
            browser.close()
    print(json.dumps({"member": phones.mask(phone), "order": order["order_no"], "roster_bytes": len(data)}))
