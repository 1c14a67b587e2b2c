"""Reads: scope, lookups by keyed hash, member counts."""

import datetime as dt

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from members.models import EmployerUnit, Membership, MembershipStatus, Person, RetentionPeriod, Union, User
from unionhub.lib import idnumber, phone
from unionhub.lib.crypto import keyed_hash
from unionhub.lib.errors import NotInScope


def union_scope(user: User) -> QuerySet[Union]:
    """The unions a user may see: a staff account sees its union's whole subtree; a superuser sees all."""
    if user.is_superuser:
        return Union.objects.all()
    if not (user.is_authenticated and user.is_union_staff):
        return Union.objects.none()
    return Union.objects.filter(path__startswith=user.union.path)


def employer_scope(user: User) -> QuerySet[EmployerUnit]:
    """Employers a staff account may see: those registered under a county in its subtree or with a union in it."""
    if user.is_superuser:
        return EmployerUnit.objects.all()
    if not (user.is_authenticated and user.is_union_staff):
        return EmployerUnit.objects.none()
    path = user.union.path
    return EmployerUnit.objects.filter(
        pk__in=EmployerUnit.objects.filter(
            Q(county__path__startswith=path) | Q(unions__path__startswith=path)
        ).values("pk")
    )


def union_in_scope(user: User, union: Union | None) -> bool:
    if union is None:
        return False
    if user.is_superuser:
        return True
    return bool(user.is_authenticated and user.is_union_staff and union.path.startswith(user.union.path))


def union_strictly_below(user: User, union: Union | None) -> bool:
    """The union lies in the user's subtree and is not the user's own union (staff management goes downward)."""
    if union is None:
        return False
    if user.is_superuser:
        return True
    return union_in_scope(user, union) and union.pk != user.union_id


def scope_filter(user: User, union_field: str = "union") -> Q:
    """A Q that keeps rows whose union lies in the user's scope (for any model with a union foreign key)."""
    if user.is_superuser:
        return Q()
    if not (user.is_authenticated and user.is_union_staff):
        return Q(pk__in=[])
    return Q(**{f"{union_field}__path__startswith": user.union.path})


def get_in_scope(queryset: QuerySet, user: User, pk, union_field: str = "union"):
    """The object if it exists and lies in scope; NotInScope (answered as 404) otherwise."""
    obj = queryset.filter(scope_filter(user, union_field)).filter(pk=pk).first()
    if obj is None:
        raise NotInScope()
    return obj


def person_get_by_id_number(value: str) -> Person | None:
    return Person.objects.filter(id_number_hash=keyed_hash(idnumber.normalize(value))).first()


def person_get_by_phone(value: str) -> Person | None:
    return Person.objects.filter(phone_hash=keyed_hash(phone.normalize(value))).first()


def membership_current(person: Person, **annotations) -> Membership | None:
    """The open (active or retained) membership, else the latest one: one query whichever it is (a person has
    one open membership at most). `annotations`: more facts read in the same query (the home page's sections)."""
    is_open = Q(status__in=[MembershipStatus.ACTIVE, MembershipStatus.RETAINED])
    return (
        Membership.objects.select_related("union")
        # most members were never retained: their dues ledger then needs no lookup of retention periods
        .annotate(
            has_retentions=Exists(RetentionPeriod.objects.filter(membership=OuterRef("pk"))), **annotations
        )
        .filter(person=person)
        .order_by(Case(When(is_open, then=Value(0)), default=Value(1)), "-created_at", "-pk")
        .first()
    )


def membership_open(person: Person) -> Membership | None:
    return (
        Membership.objects.select_related("union")
        .filter(person=person, status__in=[MembershipStatus.ACTIVE, MembershipStatus.RETAINED])
        .first()
    )


def union_member_counts(unions: QuerySet[Union]) -> dict[int, int]:
    """Members counted per union, retained members excluded (保留会籍人员不列入会员统计)."""
    rows = (
        Membership.objects.filter(union__in=unions, status=MembershipStatus.ACTIVE)
        .values("union_id")
        .annotate(n=Count("id"))
    )
    return {row["union_id"]: row["n"] for row in rows}


def union_member_counts_rolled_up(unions: list[Union]) -> dict[int, int]:
    """Each union's own count plus every descendant's, from one grouped query."""
    own = union_member_counts(Union.objects.filter(pk__in=[u.pk for u in unions]))
    totals = {u.pk: 0 for u in unions}
    for u in unions:
        for ancestor_id in u.path.strip("/").split("/"):
            if int(ancestor_id) in totals:
                totals[int(ancestor_id)] += own.get(u.pk, 0)
    return totals


def reservoir_for(union: Union) -> Union | None:
    """The reservoir union of the county (or city) that union belongs to."""
    county = union.county or union
    return Union.objects.filter(parent=county, is_reservoir=True).first()


def subtree_member_count_subquery():
    """Active members of a union and everything below it (retained excluded), for annotating unions."""
    counts = (
        Membership.objects.filter(status=MembershipStatus.ACTIVE, union__path__startswith=OuterRef("path"))
        .order_by()
        .values(dummy=Value(1))
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def actor_label(user: User | None) -> str:
    """Who acted, as the trace shows it: the person's name and their union, never the login name."""
    if user is None:
        return "—"
    if user.person_id:
        name = user.person.name
        current = membership_current(user.person)
        union = current.union.name if current else ""
    else:
        name = user.get_full_name() or user.username
        union = user.union.name if user.union_id else ""
    return f"{name}（{union}）" if union else name


def union_has_contact(union: Union) -> bool:
    return bool(union.leader_name.strip() and union.phone.strip())


def union_contact(union: Union | None) -> tuple[str, str]:
    """(contact person, phone) for messages from `union`: its own, else the nearest union above that keeps both
    (the parent first). ("", "") when no union up the tree has one."""
    if union is None:
        return "", ""
    if union_has_contact(union):
        return union.leader_name.strip(), union.phone.strip()
    ids = [int(pk) for pk in union.path.strip("/").split("/") if pk][:-1]
    above = {u.pk: u for u in Union.objects.filter(pk__in=ids).only("pk", "leader_name", "phone")}
    for pk in reversed(ids):
        if pk in above and union_has_contact(above[pk]):
            return above[pk].leader_name.strip(), above[pk].phone.strip()
    return "", ""


def union_decides(union: Union) -> bool:
    return bool(union.accepts_members or union.level == "county")


def contact_missing_warning(union: Union | None) -> str | None:
    """The admin's warning for a deciding union that keeps no contact, or None."""
    if union is None or not union_decides(union) or union_has_contact(union):
        return None
    name, _phone = union_contact(union)
    if name:
        return gettext(
            "%(union)s未填写工会负责人或联系电话：审批结果通知将使用上级工会的联系人（%(name)s）。"
            "请在工会资料中补全。"
        ) % {"union": union.name, "name": name}
    return gettext(
        "%(union)s未填写工会负责人或联系电话：审批结果通知中将没有联系人。请在工会资料中补全。"
    ) % {"union": union.name}


def deciding_union(union: Union) -> Union:
    """自主审批: a union with it decides its own joins; one without it has them decided by its parent."""
    if union.self_approval or union.parent_id is None:
        return union
    return union.parent


def union_term_due(unions: QuerySet[Union], *, today, within_days: int = 90) -> list[Union]:
    """Unions in `unions`, not dissolved, whose current term ends within `within_days` days or has ended."""
    limit = today + dt.timedelta(days=within_days)
    candidates = unions.filter(dissolved_on__isnull=True, term_started_on__isnull=False).select_related(
        "parent"
    )
    due = [u for u in candidates if u.term_ends_on <= limit]
    return sorted(due, key=lambda u: (u.term_ends_on, u.pk))


def union_term_due_ids(unions: QuerySet[Union], *, today, overdue: bool = False) -> list[int]:
    due = union_term_due(unions, today=today)
    return [u.pk for u in due if not overdue or u.term_ends_on < today]
