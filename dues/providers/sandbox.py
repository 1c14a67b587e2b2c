"""The sandbox provider: a local pay page whose button sends a notification signed as SPEC §8 describes."""

import hashlib
import hmac
import json
import secrets
from decimal import Decimal

from django.conf import settings
from django.urls import reverse

from dues.providers.base import (
    NotificationRejected,
    OpenedOrder,
    PaymentProvider,
    PayRequest,
    VerifiedNotification,
    exact_yuan,
    provider_time,
    reference,
)
from unionhub.lib import clock
from unionhub.lib.money import format_money

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

    def create_order(self, order, request: PayRequest) -> OpenedOrder:
        """Every channel is paid on the sandbox's own page (so the demo works in any browser and in WeChat)."""
        return OpenedOrder(pay_url=reverse("dues-sandbox-pay", args=[order.order_no]))

    def verify_notification(self, *, headers: dict, body: bytes) -> VerifiedNotification:
        if not settings.PAYMENT_SANDBOX_SECRET:
            raise NotificationRejected("sandbox secret not configured")
        signature = headers.get(SIGNATURE_HEADER) or ""
        if not hmac.compare_digest(signature.lower(), sign(body)):
            raise NotificationRejected("bad signature")
        try:
            data = json.loads(body, parse_float=Decimal)
        except (ValueError, RecursionError) as exc:
            raise NotificationRejected("malformed body") from exc
        if not isinstance(data, dict) or not {"order_no", "amount", "transaction_id", "paid_at"} <= set(data):
            raise NotificationRejected("malformed body")
        paid_at, raw = provider_time(data["paid_at"])
        return VerifiedNotification(
            order_no=reference(data["order_no"], "order_no"),
            amount=exact_yuan(data["amount"]),
            transaction_id=reference(data["transaction_id"], "transaction_id"),
            paid_at=paid_at,
            paid_at_raw=raw,
        )

    def query_order(self, order) -> VerifiedNotification | None:
        return None  # the sandbox keeps no state of its own: an unpaid order simply expires
