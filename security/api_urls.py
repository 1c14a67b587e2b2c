from django.urls import path

from security import api

urlpatterns = [
    path("auth/token/", api.TokenApi.as_view(), name="api-token"),
]
