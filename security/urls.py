from django.urls import path

from security import views, wechat_views

urlpatterns = [
    path("account/2fa/", views.otp_enrol, name="security-otp-enrol"),
    path("account/2fa/verify/", views.otp_verify, name="security-otp-verify"),
    path("account/wechat/", wechat_views.wechat_page, name="security-wechat"),
    path("wechat/oauth/callback/", wechat_views.wechat_oauth_callback, name="security-wechat-oauth-callback"),
]
