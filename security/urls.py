from django.urls import path

from security import identity_views, views

urlpatterns = [
    path("register/", identity_views.register, name="member-register"),
    path("activate/", identity_views.activate, name="member-activate"),
    path("claim/", identity_views.claim, name="identity-claim"),
    path("password/forgot/", identity_views.password_forgot, name="password-forgot"),
    path("login/code/", identity_views.sms_login, name="member-sms-login"),
    path("account/2fa/", views.otp_enrol, name="security-otp-enrol"),
    path("account/2fa/verify/", views.otp_verify, name="security-otp-verify"),
]
