"""The sandbox provider: a local pay page whose button sends a notification signed as SPEC §8 describes."""

import datetime as dt
import hashlib
import hmac
import json
import secrets

from django.conf import settings
from django.urls import reverse

from dues.providers.base import NotificationRejected, PaymentProvider, VerifiedNotification
from unionhub.lib import clock
from unionhub.lib.money import format_money, to_money

SIGNATURE_HEADER = "X-Sandbox-Signature"


def sign(body: bytes) -> str:
    secret = (settings.PAYMENT_SANDBOX_SECRET or "").encode()
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def notification_body(order, transaction_id: str | None = None) -> bytes:
    """What the sandbox 'bank' sends when the payer clicks 支付."""
    return json.dumps(
        {
            "order_no": order.order_no,
            "amount": format_money(order.total_amount),
            "transaction_id": transaction_id or "SBX" + secrets.token_hex(10).upper(),
            "paid_at": clock.now().isoformat(timespec="seconds"),
        }
    ).encode()


class SandboxProvider(PaymentProvider):
    name = "sandbox"

    def create_order(self, order) -> str:
        return reverse("dues-sandbox-pay", args=[order.order_no])

    def verify_notification(self, *, headers: dict, body: bytes) -> VerifiedNotification:
        if not settings.PAYMENT_SANDBOX_SECRET:
            raise NotificationRejected("sandbox secret not configured")
        signature = headers.get(SIGNATURE_HEADER) or ""
        if not hmac.compare_digest(signature.lower(), sign(body)):
            raise NotificationRejected("bad signature")
        try:
            data = json.loads(body)
            paid_at = dt.datetime.fromisoformat(data["paid_at"])
            if paid_at.tzinfo is None:
                paid_at = paid_at.replace(tzinfo=clock.SHANGHAI)
            return VerifiedNotification(
                order_no=str(data["order_no"]),
                amount=to_money(str(data["amount"])),
                transaction_id=str(data["transaction_id"])[:64],
                paid_at=paid_at,
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise NotificationRejected("malformed body") from exc

    def query_order(self, order) -> VerifiedNotification | None:
        return None  # the sandbox keeps no state of its own: an unpaid order simply expires
