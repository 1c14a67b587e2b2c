"""API v1 routes of the unions' lifecycle (mounted at /api/v1/)."""

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
    path(
        "union-formation-cases/<int:pk>/open-founding/",
        api.UnionFormationOpenFoundingApi.as_view(),
        name="api-union-formation-open-founding",
    ),
    path("foundings/", api.FoundingListApi.as_view(), name="api-foundings"),
    path("foundings/<int:pk>/apply/", api.FoundingApplyApi.as_view(), name="api-founding-apply"),
    path(
        "foundings/<int:pk>/request-congress/",
        api.FoundingRequestCongressApi.as_view(),
        name="api-founding-request-congress",
    ),
    path(
        "foundings/<int:pk>/report-election/",
        api.FoundingReportElectionApi.as_view(),
        name="api-founding-report-election",
    ),
    path("foundings/<int:pk>/scans/", api.FoundingScanUploadApi.as_view(), name="api-founding-scans"),
    path("foundings/<int:pk>/approve/", api.FoundingApproveApi.as_view(), name="api-founding-approve"),
    path("foundings/<int:pk>/abandon/", api.FoundingAbandonApi.as_view(), name="api-founding-abandon"),
    path("term-renewals/", api.TermRenewalListApi.as_view(), name="api-term-renewals"),
    path("term-renewals/due/", api.TermDueListApi.as_view(), name="api-term-renewals-due"),
    path(
        "term-renewals/<int:pk>/approve/",
        api.TermRenewalApproveApi.as_view(),
        name="api-term-renewal-approve",
    ),
    path(
        "term-renewals/<int:pk>/reject/", api.TermRenewalRejectApi.as_view(), name="api-term-renewal-reject"
    ),
    path("dissolutions/", api.DissolutionListApi.as_view(), name="api-dissolutions"),
    path(
        "dissolutions/<int:pk>/approve/", api.DissolutionApproveApi.as_view(), name="api-dissolution-approve"
    ),
    path("dissolutions/<int:pk>/reject/", api.DissolutionRejectApi.as_view(), name="api-dissolution-reject"),
]
