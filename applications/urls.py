"""Member pages of the applications app (mounted at /)."""

urlpatterns: list = []
