"""The interface every payment provider implements."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


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
    paid_at: dt.datetime


class PaymentProvider:
    name = ""

    def create_order(self, order) -> str:
        """Open the order with the provider; return what the payer needs (a pay page URL or a code URL)."""
        raise NotImplementedError

    def verify_notification(self, *, headers: dict, body: bytes) -> VerifiedNotification:
        """Check a notification's authenticity and decode it; raise NotificationRejected otherwise."""
        raise NotImplementedError

    def query_order(self, order) -> VerifiedNotification | None:
        """Ask the provider about an order: the payment if it was paid, else None."""
        raise NotImplementedError

    def close_order(self, order) -> None:
        """Tell the provider an expired order can no longer be paid (a late payment is still handled)."""
