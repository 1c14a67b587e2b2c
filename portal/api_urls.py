"""API v1 of the member's own corner (mounted at /api/v1/)."""

from django.urls import path

from portal import api

urlpatterns = [
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("me/messages/", api.MeMessageListApi.as_view(), name="api-me-messages"),
    path("me/messages/read-all/", api.MeMessageReadAllApi.as_view(), name="api-me-messages-read-all"),
    path("me/messages/<int:pk>/read/", api.MeMessageReadApi.as_view(), name="api-me-message-read"),
    path("me/profile/", api.MeProfileApi.as_view(), name="api-me-profile"),
    path("me/card/", api.MeCardApi.as_view(), name="api-me-card"),
]
