"""API v1 routes of the applications app (mounted at /api/v1/)."""

from django.urls import path

from applications import api

urlpatterns = [
    path(
        "me/join-applications/", api.MyJoinApplicationListCreateApi.as_view(), name="api-my-join-applications"
    ),
    path(
        "me/join-applications/<int:pk>/",
        api.MyJoinApplicationDetailApi.as_view(),
        name="api-my-join-application",
    ),
    path(
        "me/join-applications/<int:pk>/withdraw/",
        api.MyJoinApplicationWithdrawApi.as_view(),
        name="api-my-join-application-withdraw",
    ),
    path("join-applications/", api.JoinApplicationListApi.as_view(), name="api-join-applications"),
    path("join-applications/<int:pk>/", api.JoinApplicationDetailApi.as_view(), name="api-join-application"),
    path(
        "join-applications/<int:pk>/dispatch/",
        api.JoinApplicationDispatchApi.as_view(),
        name="api-join-application-dispatch",
    ),
    path(
        "join-applications/<int:pk>/verify/",
        api.JoinApplicationVerifyApi.as_view(),
        name="api-join-application-verify",
    ),
    path(
        "join-applications/<int:pk>/approve/",
        api.JoinApplicationApproveApi.as_view(),
        name="api-join-application-approve",
    ),
    path(
        "join-applications/<int:pk>/reject/",
        api.JoinApplicationRejectApi.as_view(),
        name="api-join-application-reject",
    ),
]
