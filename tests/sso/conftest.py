"""The test OpenID Connect provider (tests/sso/provider/, django-oauth-toolkit) in its own process on a free
loopback port, with an RSA signing key made for this run. UnionHub talks to it through mozilla-django-oidc over
real HTTP: discovery, token exchange, JWKS, userinfo."""

import json
import os
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
CALLBACK = "http://testserver/sso/callback/"  # Django's test client
LIVE_CALLBACK = (
    "http://localhost/sso/callback/"  # the browser test's live server, any port (RFC 8252 loopback)
)
CLIENT = {
    "id": "unionhub-test",
    "secret": "unionhub-test-secret",
    "redirect_uri": f"{CALLBACK} {LIVE_CALLBACK}",
}
USER, PASSWORD = "zhang.san", "Provider-pass-123"


@dataclass
class Provider:
    issuer: str
    claims_file: Path

    def set_claims(self, claims: dict, username: str = USER) -> None:
        self.claims_file.write_text(json.dumps({username: claims}), encoding="utf-8")


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oidc-provider")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = folder / "rsa.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    claims_file = folder / "claims.json"
    claims_file.write_text("{}", encoding="utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "PROVIDER_DB": str(folder / "provider.sqlite3"),
        "PROVIDER_RSA_KEY_FILE": str(key_file),
        "PROVIDER_CLAIMS_FILE": str(claims_file),
        "PROVIDER_SETUP": json.dumps({"users": {USER: PASSWORD}, "client": CLIENT}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.sso.provider.serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline and process.poll() is None:
            ready, _w, _x = select.select([process.stdout], [], [], 1)
            if ready:
                line = process.stdout.readline()
                if line.startswith("READY"):
                    break
        if not line.startswith("READY"):
            raise RuntimeError("the test OIDC provider did not start")
        issuer = f"http://127.0.0.1:{int(line.split()[1])}/o"
        requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).raise_for_status()
        yield Provider(issuer=issuer, claims_file=claims_file)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def sso_on(settings, oidc_provider):
    settings.UNIONHUB_OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT["id"]
    settings.OIDC_RP_CLIENT_SECRET = CLIENT["secret"]
    settings.UNIONHUB_OIDC_PERSON_CLAIM = "id_number"
    settings.UNIONHUB_OIDC_PERSON_KEY = "id_number"
    return oidc_provider


class _HiddenInputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""


def hidden_inputs(html: str) -> dict:
    parser = _HiddenInputs()
    parser.feed(html)
    return parser.fields


def provider_sign_in(client, *, username: str = USER, password: str = PASSWORD) -> str:
    """Start the SSO login at UnionHub, sign in and approve at the provider like a browser would; returns the
    callback URL (path and query) the provider sends the browser back to."""
    start = client.get("/sso/login/")
    assert start.status_code == 302, start
    browser = requests.Session()
    page = browser.get(start["Location"], timeout=10)  # the provider asks its user to log in first
    assert page.status_code == 200 and 'name="password"' in page.text, page.text[:500]
    form = hidden_inputs(page.text)
    page = browser.post(page.url, data={**form, "username": username, "password": password}, timeout=10)
    assert page.status_code == 200 and 'name="allow"' in page.text, page.text[:500]  # the consent form
    answer = browser.post(
        page.url, data={**hidden_inputs(page.text), "allow": "Authorize"}, timeout=10, allow_redirects=False
    )
    assert answer.status_code == 302, answer.text[:500]
    back = urlsplit(answer.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK, back
    return f"{back.path}?{back.query}"
