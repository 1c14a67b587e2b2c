from django.db.models import Q, QuerySet

from formation.models import Dissolution, Founding, TermRenewal, UnionFormationCase
from members.models import Union, User
from members.selectors import scope_filter, union_scope, union_term_due


def union_formation_list(*, user: User) -> QuerySet[UnionFormationCase]:
    if user.is_superuser:
        scope = Q()
    elif user.is_authenticated and user.is_union_staff:
        scope = Q(county__path__startswith=user.union.path) | Q(reservoir__path__startswith=user.union.path)
    else:
        scope = Q(pk__in=[])
    return UnionFormationCase.objects.filter(scope).select_related("reservoir", "county", "new_union")


def founding_list(*, user: User) -> QuerySet[Founding]:
    return (
        Founding.objects.filter(scope_filter(user, "parent"))
        .select_related("parent", "union")
        .prefetch_related("documents")
    )


def term_renewal_list(*, user: User) -> QuerySet[TermRenewal]:
    return TermRenewal.objects.filter(scope_filter(user, "union")).select_related("union")


def dissolution_list(*, user: User) -> QuerySet[Dissolution]:
    return Dissolution.objects.filter(scope_filter(user, "union")).select_related("union", "target")


def term_due_list(*, user: User, today) -> list[Union]:
    """换届 overdue list: unions in scope whose term ends within 90 days or has ended without a renewal."""
    return union_term_due(union_scope(user), today=today)
