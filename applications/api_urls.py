"""API v1 routes of the applications app (mounted at /api/v1/)."""

urlpatterns: list = []
