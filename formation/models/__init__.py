"""Models of the unions' own lifecycle: formation cases, founding, document numbers, term renewal, dissolution."""

from formation.models.cases import UnionFormationCase, UnionFormationState
from formation.models.dissolution import Dissolution, DissolutionReason, DissolutionState
from formation.models.founding import (
    DOCUMENT_FROM_STATE_KEYS,
    FOUNDING_OPEN_STATES,
    Founding,
    FoundingDocument,
    FoundingDocumentKind,
    FoundingState,
)
from formation.models.numbers import DocumentNumberSequence
from formation.models.terms import TermRenewal, TermRenewalState

__all__ = [
    "DOCUMENT_FROM_STATE_KEYS",
    "FOUNDING_OPEN_STATES",
    "Dissolution",
    "DissolutionReason",
    "DissolutionState",
    "DocumentNumberSequence",
    "Founding",
    "FoundingDocument",
    "FoundingDocumentKind",
    "FoundingState",
    "TermRenewal",
    "TermRenewalState",
    "UnionFormationCase",
    "UnionFormationState",
]
