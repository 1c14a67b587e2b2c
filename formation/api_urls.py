"""API v1 routes of union-formation cases (mounted at /api/v1/)."""

from django.urls import path

from formation import api

urlpatterns = [
    path("union-formation-cases/", api.UnionFormationCaseListApi.as_view(), name="api-union-formation-cases"),
    path(
        "union-formation-cases/<int:pk>/issue-notice/",
        api.UnionFormationIssueNoticeApi.as_view(),
        name="api-union-formation-issue-notice",
    ),
    path(
        "union-formation-cases/<int:pk>/establish/",
        api.UnionFormationEstablishApi.as_view(),
        name="api-union-formation-establish",
    ),
    path(
        "union-formation-cases/<int:pk>/transfer-members/",
        api.UnionFormationTransferMembersApi.as_view(),
        name="api-union-formation-transfer-members",
    ),
]
