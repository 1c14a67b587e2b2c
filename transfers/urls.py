"""Member pages of the transfers app (mounted at /)."""

from django.urls import path

from transfers import views

urlpatterns = [
    path("transfer/", views.transfer_apply, name="transfer-apply"),
    path("transfer/<int:pk>/", views.transfer_detail, name="transfer-detail"),
    path("transfer/<int:pk>/withdraw/", views.transfer_withdraw, name="transfer-withdraw"),
    path("transfer/<int:pk>/<slug:kind>.pdf", views.transfer_document, name="transfer-document"),
]
