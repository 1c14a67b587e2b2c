"""Reads for applications: scope, queues, overdue lists, timelines, working-day deadlines."""

from django.db.models import QuerySet

from applications.models import JoinApplication
from casework.selectors import application_queue_q, application_scope_q
from members.models import Person, User
from unionhub.lib.errors import NotInScope


def join_application_list(*, user: User, state: str | None = None, queue: bool = False) -> QuerySet:
    qs = (
        JoinApplication.objects.filter(application_scope_q(user))
        .select_related("applicant", "union", "county")
        .order_by("-created_at", "-pk")
    )
    if state:
        qs = qs.filter(state=state)
    if queue:
        qs = qs.filter(application_queue_q(user))
    return qs


def join_application_get(*, user: User, pk) -> JoinApplication:
    app = join_application_list(user=user).filter(pk=pk).first()
    if app is None:
        raise NotInScope()
    return app


def join_application_for_applicant(*, person: Person, pk) -> JoinApplication:
    app = JoinApplication.objects.select_related("union", "county").filter(applicant=person, pk=pk).first()
    if app is None:
        raise NotInScope()
    return app
