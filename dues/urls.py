"""Member pages of the dues app (mounted at /)."""

from django.urls import path

from dues import views

urlpatterns = [
    path("dues/", views.dues_home, name="dues-home"),
    path("dues/pay/", views.dues_pay, name="dues-pay"),
    path("dues/history/", views.dues_history, name="dues-history"),
    path("dues/orders/<str:order_no>/", views.dues_order, name="dues-order"),
    path("dues/orders/<str:order_no>/cancel/", views.dues_order_cancel, name="dues-order-cancel"),
    path("dues/orders/<str:order_no>/receipt.pdf", views.dues_receipt, name="dues-receipt"),
    path("dues/sandbox/pay/<str:order_no>/", views.sandbox_pay, name="dues-sandbox-pay"),
]
