"""Writes and rules of the dues ledger (SPEC §5)."""

from dues.services.arrears import ARREARS_SQL, FINAL_AT, REMINDER_AT, arrears_rows, dues_sweep
from dues.services.payments import (
    dues_payment_create,
    notification_record,
    order_no_new,
    paid_order_record,
    payment_confirm,
    payment_notification_handle,
    payment_reconcile,
    receipt_no_for,
    refund_mark_done,
    unit_payment_record,
)

__all__ = [
    "ARREARS_SQL",
    "FINAL_AT",
    "REMINDER_AT",
    "arrears_rows",
    "dues_payment_create",
    "dues_sweep",
    "notification_record",
    "order_no_new",
    "paid_order_record",
    "payment_confirm",
    "payment_notification_handle",
    "payment_reconcile",
    "receipt_no_for",
    "refund_mark_done",
    "unit_payment_record",
]
