from django.urls import path

from security import api, identity_api, recovery_api, sms_codes_api, wechat_api

urlpatterns = [
    path("auth/register/", identity_api.RegisterApi.as_view(), name="api-register"),
    path("auth/activate/", identity_api.ActivateApi.as_view(), name="api-activate"),
    path("auth/claims/", identity_api.ClaimFileApi.as_view(), name="api-claims"),
    path("auth/token/", api.TokenApi.as_view(), name="api-token"),
    path("auth/sms-codes/", sms_codes_api.SmsCodeApi.as_view(), name="api-sms-codes"),
    path("auth/password-reset/", recovery_api.PasswordResetApi.as_view(), name="api-password-reset"),
    path("auth/sms-login/", recovery_api.SmsLoginApi.as_view(), name="api-sms-login"),
    path(
        "auth/wechat/miniprogram/",
        wechat_api.WeChatMiniprogramLoginApi.as_view(),
        name="api-wechat-miniprogram-login",
    ),
    path("auth/wechat/bind/", wechat_api.WeChatBindApi.as_view(), name="api-wechat-bind"),
    path("me/wechat/", wechat_api.MeWeChatApi.as_view(), name="api-me-wechat"),
]
