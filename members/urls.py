from django.contrib.auth.views import LogoutView
from django.urls import path

from members import views

urlpatterns = [
    path("login/", views.MemberLoginView.as_view(), name="member-login"),
    path("logout/", LogoutView.as_view(), name="member-logout"),
]
