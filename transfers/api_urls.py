"""API v1 routes of the transfers app (mounted at /api/v1/)."""

urlpatterns: list = []
