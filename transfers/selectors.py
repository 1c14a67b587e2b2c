"""Reads for transfers and union-formation cases."""

from django.db.models import QuerySet

from casework.selectors import application_scope_q
from members.models import Person, User
from transfers.models import TransferApplication
from unionhub.lib.errors import NotInScope


def transfer_application_list(*, user: User, state: str | None = None) -> QuerySet[TransferApplication]:
    qs = (
        TransferApplication.objects.filter(application_scope_q(user, TransferApplication.scope_union_fields))
        .select_related("applicant", "union", "county", "from_union", "membership")
        .order_by("-created_at", "-pk")
    )
    return qs.filter(state=state) if state else qs


def transfer_application_for_applicant(*, person: Person, pk) -> TransferApplication:
    app = (
        TransferApplication.objects.select_related("union", "county", "from_union", "membership")
        .filter(applicant=person, pk=pk)
        .first()
    )
    if app is None:
        raise NotInScope()
    return app
