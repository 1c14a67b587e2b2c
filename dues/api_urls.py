"""API v1 routes of the dues app (mounted at /api/v1/)."""

from django.urls import path

from dues import api

urlpatterns = [
    path("me/dues/<int:year>/", api.DuesYearApi.as_view(), name="api-dues-year"),
    path("me/dues/payments/", api.DuesPaymentApi.as_view(), name="api-dues-payments"),
    path("payments/sandbox/notify/", api.SandboxNotifyApi.as_view(), name="api-sandbox-notify"),
    path("payments/wechatpay/notify/", api.WeChatPayNotifyApi.as_view(), name="api-wechatpay-notify"),
]
