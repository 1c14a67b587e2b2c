"""Payment providers: `sandbox` (default) and `wechatpay` (WeChat Pay API v3). See base.PaymentProvider."""

from django.conf import settings

from dues.providers.base import NotificationRejected, PaymentProvider, VerifiedNotification

__all__ = ["NotificationRejected", "PaymentProvider", "VerifiedNotification", "get_provider"]


def get_provider(name: str | None = None) -> PaymentProvider:
    name = name or settings.PAYMENT_PROVIDER
    if name == "sandbox":
        from dues.providers.sandbox import SandboxProvider

        return SandboxProvider()
    if name == "wechatpay":
        from dues.providers.wechatpay import WeChatPayProvider

        return WeChatPayProvider()
    raise ValueError(f"unknown payment provider: {name}")
