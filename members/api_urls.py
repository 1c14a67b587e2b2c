from django.urls import path

from members import api

urlpatterns = [
    path("auth/register/", api.RegisterApi.as_view(), name="api-register"),
    path("auth/token/", api.TokenApi.as_view(), name="api-token"),
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("unions/", api.UnionListApi.as_view(), name="api-unions"),
    path("staff/", api.StaffCreateApi.as_view(), name="api-staff-create"),
    path("memberships/", api.MembershipListApi.as_view(), name="api-memberships"),
] + [
    path(f"memberships/<int:pk>/{name}/", api.membership_action_view(name), name=f"api-membership-{name}")
    for name in ("retain", "restore", "withdraw", "expel", "reinstate", "move-out")
]

from members import me_api  # noqa: E402 - the member's own corner

urlpatterns += [
    path("me/messages/", me_api.MeMessageListApi.as_view(), name="api-me-messages"),
    path("me/messages/read-all/", me_api.MeMessageReadAllApi.as_view(), name="api-me-messages-read-all"),
    path("me/messages/<int:pk>/read/", me_api.MeMessageReadApi.as_view(), name="api-me-message-read"),
    path("me/profile/", me_api.MeProfileApi.as_view(), name="api-me-profile"),
    path("me/card/", me_api.MeCardApi.as_view(), name="api-me-card"),
]

from members import stats_api  # noqa: E402 - statistics for apps

urlpatterns += [
    path("stats/", stats_api.OwnStatsApi.as_view(), name="api-stats"),
    path("stats/unions/<int:pk>/", stats_api.UnionStatsApi.as_view(), name="api-stats-union"),
]
