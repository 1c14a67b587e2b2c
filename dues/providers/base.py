"""The interface every payment provider implements."""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Order numbers and transaction ids as providers issue them (WeChat Pay: letters, digits, _-|*, up to 32 / 64).
REFERENCE = re.compile(r"[A-Za-z0-9_\-|*]{1,64}")
# An amount in yuan exact to the fen: digits with at most two decimals.
YUAN = re.compile(r"[0-9]{1,10}(\.[0-9]{1,2})?")


class NotificationRejected(Exception):
    """A notification that must not be acted on (bad signature, stale, unknown key, wrong amount or merchant)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class VerifiedNotification:
    order_no: str
    amount: Decimal
    transaction_id: str
    # None when the provider's time could not be read; the service then bounds it (see payments.paid_at_bounded)
    paid_at: dt.datetime | None
    paid_at_raw: str = ""


def reference(value, what: str) -> str:
    """An order number or transaction id from a provider: a short string of the characters providers use."""
    if not isinstance(value, str) or not REFERENCE.fullmatch(value):
        raise NotificationRejected(f"malformed {what}")
    return value


def exact_yuan(value) -> Decimal:
    """An amount in yuan with at most two decimals (a string, or a JSON number parsed as Decimal); else refused."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise NotificationRejected("malformed amount")
    text = str(value).strip()
    if not YUAN.fullmatch(text):
        raise NotificationRejected("amount not exact to the fen")
    try:
        return Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise NotificationRejected("malformed amount") from exc


def provider_time(value) -> tuple[dt.datetime | None, str]:
    """A provider's ISO 8601 time, parsed if it can be (naive times stay naive), and its raw text (capped)."""
    raw = value if isinstance(value, str) else repr(value)
    raw = raw[:64]
    if not isinstance(value, str) or len(value) > 64:
        return None, raw
    try:
        return dt.datetime.fromisoformat(value), raw
    except (ValueError, OverflowError):
        return None, raw


@dataclass(frozen=True)
class PayRequest:
    """How the payer will pay (the order's channel, see dues.selectors.pay_channel) and what that channel needs."""

    channel: str = "native"
    app_id: str = ""  # jsapi / miniprogram: the app the openid belongs to
    openid: str = ""  # jsapi / miniprogram
    client_ip: str = ""  # h5: the payer's address (scene_info.payer_client_ip)
    return_url: str = ""  # h5: where WeChat sends the payer back (an absolute URL)


@dataclass(frozen=True)
class OpenedOrder:
    pay_url: str  # a pay page, a code_url (native) or an h5_url
    pay_params: dict | None = None  # jsapi / miniprogram: what WeixinJSBridge or wx.requestPayment takes


class PaymentProvider:
    name = ""

    def create_order(self, order, request: PayRequest) -> OpenedOrder:
        """Open the order with the provider for `request.channel`; return what the payer needs."""
        raise NotImplementedError

    def verify_notification(self, *, headers: dict, body: bytes) -> VerifiedNotification:
        """Check a notification's authenticity and decode it; raise NotificationRejected otherwise."""
        raise NotImplementedError

    def query_order(self, order) -> VerifiedNotification | None:
        """Ask the provider about an order: the payment if it was paid, else None."""
        raise NotImplementedError

    def close_order(self, order) -> None:
        """Tell the provider an expired order can no longer be paid (a late payment is still handled)."""
