"""Test helpers: ask for a one-time code through the API and read it from the locmem SMS outbox."""

from django.test import TestCase

from notifications import sms


def sms_code_for(api, phone: str, purpose: str, *, ip: str = "10.9.9.9") -> str:
    """A fresh code of this purpose for this phone (on-commit work runs at once, as the API commits it)."""
    before = len(sms.outbox)
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = api.post(
            "/api/v1/auth/sms-codes/", {"phone": phone, "purpose": purpose}, format="json", REMOTE_ADDR=ip
        )
    assert answer.status_code == 202, answer.content
    sent = [m for m in sms.outbox[before:] if m["phone"] == phone and m["kind"] == f"code_{purpose}"]
    assert sent, f"no {purpose} code was sent to the phone"
    return sent[-1]["params"]["code"]


def register_with_code(api, *, ip: str = "10.9.9.9", **fields):
    """POST auth/register/ after asking for a register code (fields: name, id_number, phone, password)."""
    code = sms_code_for(api, fields["phone"], "register", ip=ip)
    return api.post("/api/v1/auth/register/", {**fields, "sms_code": code}, format="json", REMOTE_ADDR=ip)
