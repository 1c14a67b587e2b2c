from django.db.models import Q, QuerySet

from formation.models import UnionFormationCase
from members.models import User


def union_formation_list(*, user: User) -> QuerySet[UnionFormationCase]:
    if user.is_superuser:
        scope = Q()
    elif user.is_authenticated and user.is_union_staff:
        scope = Q(county__path__startswith=user.union.path) | Q(reservoir__path__startswith=user.union.path)
    else:
        scope = Q(pk__in=[])
    return UnionFormationCase.objects.filter(scope).select_related("reservoir", "county", "new_union")
