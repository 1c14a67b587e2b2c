from django.contrib.auth.views import LogoutView
from django.urls import path

from members import views

urlpatterns = [
    path("", views.home, name="member-home"),
    path("register/", views.register, name="member-register"),
    path("login/", views.MemberLoginView.as_view(), name="member-login"),
    path("logout/", LogoutView.as_view(), name="member-logout"),
]

from members import card_views, me_views  # noqa: E402 - the member's own corner: card, inbox, profile

urlpatterns += [
    path("card/", card_views.card_page, name="member-card"),
    path("card/activate/", card_views.card_activate, name="member-card-activate"),
    path("card/verify/<str:token>/", card_views.card_verify, name="member-card-verify"),
    path("messages/", me_views.inbox_page, name="member-inbox"),
    path("messages/read-all/", me_views.inbox_read_all, name="member-inbox-read-all"),
    path("messages/<int:pk>/read/", me_views.inbox_read, name="member-inbox-read"),
    path("profile/", me_views.profile_page, name="member-profile"),
]
