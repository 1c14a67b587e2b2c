"""Member pages of the dues app (mounted at /)."""

urlpatterns: list = []
