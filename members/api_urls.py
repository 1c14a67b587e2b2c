from django.urls import path

from members import api

urlpatterns = [
    path("unions/", api.UnionListApi.as_view(), name="api-unions"),
    path("staff/", api.StaffCreateApi.as_view(), name="api-staff-create"),
    path("memberships/", api.MembershipListApi.as_view(), name="api-memberships"),
] + [
    path(f"memberships/<int:pk>/{name}/", api.membership_action_view(name), name=f"api-membership-{name}")
    for name in ("retain", "restore", "withdraw", "expel", "reinstate", "move-out")
]
