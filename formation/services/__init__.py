"""Every write of the unions' lifecycle, by workflow; re-exported here."""

from formation.services.cases import (
    union_formation_check,
    union_formation_establish,
    union_formation_issue_notice,
    union_formation_transfer_members,
    union_formation_transfer_remind,
)
from formation.services.dissolution import dissolution_approve, dissolution_reject, dissolution_request
from formation.services.founding import (
    founding_abandon,
    founding_apply,
    founding_approve,
    founding_open,
    founding_open_from_case,
    founding_report_election,
    founding_request_congress,
    founding_scan_upload,
)
from formation.services.numbers import document_number_issue
from formation.services.terms import (
    term_renewal_approve,
    term_renewal_reject,
    term_renewal_remind,
    term_renewal_submit,
)

__all__ = [
    "dissolution_approve",
    "dissolution_reject",
    "dissolution_request",
    "document_number_issue",
    "founding_abandon",
    "founding_apply",
    "founding_approve",
    "founding_open",
    "founding_open_from_case",
    "founding_report_election",
    "founding_request_congress",
    "founding_scan_upload",
    "term_renewal_approve",
    "term_renewal_reject",
    "term_renewal_remind",
    "term_renewal_submit",
    "union_formation_check",
    "union_formation_establish",
    "union_formation_issue_notice",
    "union_formation_transfer_members",
    "union_formation_transfer_remind",
]
