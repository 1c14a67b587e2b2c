from django.urls import path

from security import views

urlpatterns = [
    path("account/2fa/", views.otp_enrol, name="security-otp-enrol"),
    path("account/2fa/verify/", views.otp_verify, name="security-otp-verify"),
]
