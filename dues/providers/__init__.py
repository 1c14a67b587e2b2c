"""Payment providers: `sandbox` (default) and `wechatpay` (WeChat Pay API v3). See base.PaymentProvider."""

from django.conf import settings

from dues.providers.base import (
    NotificationRejected,
    OpenedOrder,
    PaymentProvider,
    PayRequest,
    VerifiedNotification,
)
from dues.providers.sandbox import SandboxProvider
from dues.providers.wechatpay import WeChatPayProvider

__all__ = [
    "NotificationRejected",
    "OpenedOrder",
    "PayRequest",
    "PaymentProvider",
    "VerifiedNotification",
    "get_provider",
]


def get_provider(name: str | None = None) -> PaymentProvider:
    name = name or settings.PAYMENT_PROVIDER
    if name == "sandbox":
        return SandboxProvider()
    if name == "wechatpay":
        return WeChatPayProvider()
    raise ValueError(f"unknown payment provider: {name}")
