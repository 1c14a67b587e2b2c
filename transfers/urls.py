"""Member pages of the transfers app (mounted at /)."""

urlpatterns: list = []
