"""Test helpers: ask for a one-time code through the API and read it from the locmem SMS outbox."""

from django.test import TestCase
from rest_framework.test import APIClient

from notifications import sms


def sms_code_for(phone: str, purpose: str, *, ip: str = "10.9.9.9") -> str:
    """A fresh code of this purpose for this phone, asked for through POST auth/sms-codes/ (its on-commit work
    runs at once, as it would after the request's commit)."""
    before = len(sms.outbox)
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = APIClient().post(
            "/api/v1/auth/sms-codes/", {"phone": phone, "purpose": purpose}, format="json", REMOTE_ADDR=ip
        )
    assert answer.status_code == 202, answer.content
    sent = [m for m in sms.outbox[before:] if m["phone"] == phone and m["kind"] == f"code_{purpose}"]
    assert sent, f"no {purpose} code was sent to the phone"
    return sent[-1]["params"]["code"]


def register_with_code(api, *, ip: str = "10.9.9.9", **fields):
    """POST auth/register/ after asking for a register code (fields: name, id_number, phone, password, …)."""
    code = sms_code_for(fields["phone"], "register", ip=ip)
    return api.post("/api/v1/auth/register/", {**fields, "sms_code": code}, format="json", REMOTE_ADDR=ip)


def register_page_with_code(client, **fields):
    """POST the register page after asking for a register code (fields: name, id_number, phone, password)."""
    code = sms_code_for(fields["phone"], "register")
    return client.post("/register/", {"password2": fields.get("password", ""), **fields, "sms_code": code})
