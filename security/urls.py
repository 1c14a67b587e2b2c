from django.urls import path

from security import identity_views, sso_views, staff_reset, views, wechat_views

urlpatterns = [
    path("register/", identity_views.register, name="member-register"),
    path("activate/", identity_views.activate, name="member-activate"),
    path("claim/", identity_views.claim, name="identity-claim"),
    path("password/forgot/", identity_views.password_forgot, name="password-forgot"),
    path("login/code/", identity_views.sms_login, name="member-sms-login"),
    path("account/2fa/", views.otp_enrol, name="security-otp-enrol"),
    path("account/2fa/verify/", views.otp_verify, name="security-otp-verify"),
    path("sso/login/", sso_views.SsoLoginView.as_view(), name="sso-login"),
    path("sso/callback/", sso_views.SsoCallbackView.as_view(), name="sso-callback"),
    *staff_reset.urlpatterns,
    path("account/wechat/", wechat_views.wechat_page, name="security-wechat"),
    path("wechat/oauth/callback/", wechat_views.wechat_oauth_callback, name="security-wechat-oauth-callback"),
]
