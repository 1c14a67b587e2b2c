"""Reads the application kinds share: scope, queues, overdue lists, timelines, working-day deadlines."""

import datetime as dt
import re

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from casework.models import OPEN_STATES, ApplicationState, TransitionRecord, WorkdayOverride
from members.models import Union, UnionLevel, User
from members.selectors import deciding_union
from unionhub.lib import workdays


def workday_overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    return dict(WorkdayOverride.objects.filter(day__gte=start, day__lte=end).values_list("day", "is_workday"))


def due_date(start: dt.date, working_days: int) -> dt.date:
    """`working_days` working days after `start`, admin overrides first, then the Chinese calendar."""
    overrides = workday_overrides(start, start + dt.timedelta(days=working_days * 3 + 40))
    return workdays.add_workdays(start, working_days, overrides)


def application_scope_q(user: User, fields: tuple[str, ...] = ("union", "county")) -> Q:
    """Applications a staff user may see: target union or dispatched county (or, for transfers, the union the
    member leaves) in scope; city staff also see the ones nobody has dispatched yet."""
    if user.is_superuser:
        return Q()
    if not (user.is_authenticated and user.is_union_staff):
        return Q(pk__in=[])
    if user.union.level == UnionLevel.CITY and user.union.parent_id is None:
        return Q()  # the city at the root of the tree: every application
    # ids of the unions in scope as a list of numbers (no join per row, and, unlike a subquery, the planner sees
    # how many rows they select: an index on the union or county with the state, not a parallel scan)
    in_scope = list(Union.objects.filter(path__startswith=user.union.path).values_list("pk", flat=True))
    q = Q()
    for field in fields:
        q |= Q(**{f"{field}_id__in": in_scope})
    if user.union.level == UnionLevel.CITY:
        q |= Q(union__isnull=True, county__isnull=True)
    return q


def application_queue_q(user: User) -> Q:
    """What this user's role must act on now: city → undispatched; county → dispatched to it, to verify; a union →
    applications to itself, to decide. What waits on a union or county below is not in it (see waiting_below_q)."""
    if not (user.is_superuser or user.is_union_staff):
        return Q(pk__in=[])
    level = None if user.is_superuser else user.union.level
    undispatched = Q(state=ApplicationState.SUBMITTED, union__isnull=True)
    to_verify = Q(state=ApplicationState.DISPATCHED)
    to_decide = Q(state__in=[ApplicationState.SUBMITTED, ApplicationState.VERIFIED], union__isnull=False)
    if level is None:
        return undispatched | to_verify | to_decide
    if level == UnionLevel.CITY:
        return undispatched
    for_child = to_decide & Q(union__parent=user.union, union__self_approval=False)  # 未自主审批: the parent
    if level == UnionLevel.COUNTY:
        return (to_verify & Q(county=user.union)) | for_child
    return (to_decide & Q(union=user.union, union__self_approval=True)) | for_child


def application_waiting_below_q(user: User) -> Q:
    """下级处理中: open applications in the user's scope that wait on someone else's step."""
    return Q(state__in=OPEN_STATES) & ~application_queue_q(user)


def overdue_q(today: dt.date) -> Q:
    return Q(state__in=OPEN_STATES, due_at__lt=today)


def timeline(application) -> QuerySet[TransitionRecord]:
    return (
        TransitionRecord.objects.filter(
            content_type=ContentType.objects.get_for_model(type(application)),
            object_id=application.pk,
        )
        .select_related("actor")
        .order_by("at", "pk")
    )


def responsible_staff(application) -> QuerySet[User]:
    """Staff who hold the application's current step (for reminders)."""
    staff = User.objects.filter(is_active=True, is_staff=True)
    if application.state == ApplicationState.DISPATCHED:
        return staff.filter(union=application.county_id)
    if application.union_id is None:
        return staff.filter(union__level=UnionLevel.CITY)
    own = staff.filter(union=deciding_union(application.union).pk)
    if own.exists():
        return own
    county = application.union.county
    return staff.filter(union=county) if county else staff.none()


# A leading place name (宜昌市, 西陵区, 宜都市…) is shared by many units: not what tells them apart.
_PLACE_PREFIX = re.compile(r"^(?:[\u4e00-\u9fff]{1,4}?[省市])?(?:[\u4e00-\u9fff]{1,4}?[区县])?")
_UNIT_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "分公司", "集团", "公司", "工会")


def unit_keyword(unit_name: str) -> str:
    """The distinctive part of a unit's name, as staff type it into a search: legal-form suffixes dropped."""
    keyword = _PLACE_PREFIX.sub("", unit_name.strip()) or unit_name.strip()
    for suffix in _UNIT_SUFFIXES:
        if keyword.endswith(suffix) and len(keyword) > len(suffix):
            keyword = keyword[: -len(suffix)]
    return keyword


def union_suggestions(keyword: str, *, within: Union | None = None, limit: int = 8) -> list[Union]:
    """Unions that accept members whose name (or their employer's) contains the keyword, narrowing to its first
    four, then two characters when nothing matches; inside `within`'s subtree when given."""
    qs = (
        Union.objects.filter(accepts_members=True, dissolved_on__isnull=True)
        .select_related("parent", "employer")
        .order_by("path")
    )
    if within is not None:
        qs = qs.filter(path__startswith=within.path)
    for term in dict.fromkeys([keyword, keyword[:4], keyword[:2]]):
        if not term:
            continue
        found = list(qs.filter(Q(name__icontains=term) | Q(employer__name__icontains=term))[:limit])
        if found:
            return found
    return []


def open_applications_naming(union: Union) -> dict[str, int]:
    """Undecided applications of every kind that name `union` as the one to join or the one to leave (not as
    the county that checks them): {kind label: count}, kinds with none left out."""
    from django.apps import apps

    from casework.models import ApplicationBase

    counts = {}
    for model in apps.get_models():
        if not issubclass(model, ApplicationBase):
            continue
        naming = Q()
        for field in model.scope_union_fields:
            if field != "county":
                naming |= Q(**{f"{field}_id": union.pk})
        n = model.objects.filter(naming, state__in=OPEN_STATES).count()
        if n:
            counts[str(model.kind_label)] = n
    return counts
