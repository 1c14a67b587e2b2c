from django.urls import path

from security import api, sms_codes_api

urlpatterns = [
    path("auth/token/", api.TokenApi.as_view(), name="api-token"),
    path("auth/sms-codes/", sms_codes_api.SmsCodeApi.as_view(), name="api-sms-codes"),
]
