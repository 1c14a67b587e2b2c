"""API v1 of the statistics (mounted at /api/v1/)."""

from django.urls import path

from datawork import api

urlpatterns = [
    path("stats/", api.OwnStatsApi.as_view(), name="api-stats"),
    path("stats/unions/<int:pk>/", api.UnionStatsApi.as_view(), name="api-stats-union"),
]
