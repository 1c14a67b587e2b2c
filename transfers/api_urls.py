"""API v1 routes of the transfers app (mounted at /api/v1/)."""

from django.urls import path

from transfers import api

urlpatterns = [
    path(
        "me/transfer-applications/",
        api.MyTransferApplicationListCreateApi.as_view(),
        name="api-my-transfer-applications",
    ),
    path(
        "me/transfer-applications/<int:pk>/withdraw/",
        api.MyTransferApplicationWithdrawApi.as_view(),
        name="api-my-transfer-application-withdraw",
    ),
    path(
        "transfer-applications/", api.TransferApplicationListApi.as_view(), name="api-transfer-applications"
    ),
    path(
        "transfer-applications/<int:pk>/dispatch/",
        api.TransferApplicationDispatchApi.as_view(),
        name="api-transfer-application-dispatch",
    ),
    path(
        "transfer-applications/<int:pk>/verify/",
        api.TransferApplicationVerifyApi.as_view(),
        name="api-transfer-application-verify",
    ),
    path(
        "transfer-applications/<int:pk>/approve/",
        api.TransferApplicationApproveApi.as_view(),
        name="api-transfer-application-approve",
    ),
    path(
        "transfer-applications/<int:pk>/reject/",
        api.TransferApplicationRejectApi.as_view(),
        name="api-transfer-application-reject",
    ),
]
