"""The member's own pages (mounted at /): home, card, messages, profile."""

from django.urls import path

from portal.views import card, home, me

urlpatterns = [
    path("", home.home, name="member-home"),
    path("card/", card.card_page, name="member-card"),
    path("card/activate/", card.card_activate, name="member-card-activate"),
    path("card/verify/<str:token>/", card.card_verify, name="member-card-verify"),
    path("messages/", me.inbox_page, name="member-inbox"),
    path("messages/read-all/", me.inbox_read_all, name="member-inbox-read-all"),
    path("messages/<int:pk>/read/", me.inbox_read, name="member-inbox-read"),
    path("profile/", me.profile_page, name="member-profile"),
]
