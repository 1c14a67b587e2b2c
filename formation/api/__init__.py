"""API v1 of the unions' lifecycle."""

from formation.api.cases import (
    UnionFormationCaseListApi,
    UnionFormationEstablishApi,
    UnionFormationIssueNoticeApi,
    UnionFormationTransferMembersApi,
)
from formation.api.lifecycle import (
    DissolutionApproveApi,
    DissolutionListApi,
    DissolutionRejectApi,
    FoundingAbandonApi,
    FoundingApplyApi,
    FoundingApproveApi,
    FoundingListApi,
    FoundingReportElectionApi,
    FoundingRequestCongressApi,
    FoundingScanUploadApi,
    TermDueListApi,
    TermRenewalApproveApi,
    TermRenewalListApi,
    TermRenewalRejectApi,
    UnionFormationOpenFoundingApi,
)

__all__ = [
    "DissolutionApproveApi",
    "DissolutionListApi",
    "DissolutionRejectApi",
    "FoundingAbandonApi",
    "FoundingApplyApi",
    "FoundingApproveApi",
    "FoundingListApi",
    "FoundingReportElectionApi",
    "FoundingRequestCongressApi",
    "FoundingScanUploadApi",
    "TermDueListApi",
    "TermRenewalApproveApi",
    "TermRenewalListApi",
    "TermRenewalRejectApi",
    "UnionFormationCaseListApi",
    "UnionFormationEstablishApi",
    "UnionFormationIssueNoticeApi",
    "UnionFormationOpenFoundingApi",
    "UnionFormationTransferMembersApi",
]
