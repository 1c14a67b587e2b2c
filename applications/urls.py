"""Member pages of the applications app (mounted at /)."""

from django.urls import path

from applications import views

urlpatterns = [
    path("join/", views.join_apply, name="join-apply"),
    path("join/<int:pk>/", views.join_detail, name="join-detail"),
    path("join/<int:pk>/withdraw/", views.join_withdraw, name="join-withdraw"),
    path("join/<int:pk>/proof/", views.join_proof, name="join-proof"),
    path("join/<int:pk>/<slug:kind>.pdf", views.join_document, name="join-document"),
]
