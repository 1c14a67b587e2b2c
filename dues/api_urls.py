"""API v1 routes of the dues app (mounted at /api/v1/)."""

urlpatterns: list = []
