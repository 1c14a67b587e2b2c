import datetime as dt

import pytest
from django.db import connection

from members import selectors, services
from members.models import Membership, MembershipEvent, MembershipStatus, RetentionPeriod
from tests.members import factories as f
from unionhub.lib.errors import BusinessError, InvalidTransition, NotInScope

pytestmark = pytest.mark.django_db


def test_registering_stores_no_id_number_or_phone_in_clear_in_any_table():
    id_number = f.id_number()
    phone = f.phone()
    services.member_register(name="清小极", id_number=id_number, phone=phone, password="Member-pass-123")
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from introspection
            for row in cursor.fetchall():
                text = " ".join(str(v) for v in row)
                if id_number in text or phone in text:
                    hits.append(table)
    assert hits == []
    person = selectors.person_get_by_id_number(id_number)
    assert person.id_number == id_number and person.phone == phone
    assert person.id_number_masked == id_number[:6] + "********" + id_number[14:]
    assert person.phone_masked == phone[:3] + "****" + phone[7:]


def test_same_person_cannot_register_twice():
    id_number = f.id_number()
    services.member_register(name="甲", id_number=id_number, phone=f.phone(), password="Member-pass-123")
    with pytest.raises(BusinessError) as err:
        services.member_register(name="甲", id_number=id_number, phone=f.phone(), password="Member-pass-123")
    assert err.value.code == "person_exists"


def test_common_password_refused_and_nothing_stored():
    from django.core.exceptions import ValidationError

    from members.models import Person

    with pytest.raises(ValidationError):
        services.member_register(name="甲", id_number=f.id_number(), phone=f.phone(), password="password123")
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("joined", "hired", "start"),
    [
        (dt.date(2025, 4, 10), dt.date(2025, 2, 3), dt.date(2025, 2, 1)),  # Tsinghua example 4
        (dt.date(2025, 4, 10), dt.date(2023, 10, 8), dt.date(2025, 1, 1)),  # Tsinghua example 5
        (dt.date(2025, 4, 10), None, dt.date(2025, 4, 1)),
    ],
)
def test_dues_start_follows_hire_year_rule(joined, hired, start):
    assert services.dues_start_for(joined_on=joined, hire_date=hired) == start


def test_membership_create_numbers_members_and_records_the_join(city):
    _, m1 = f.member(city.branch, joined_on=dt.date(2025, 4, 1))
    _, m2 = f.member(city.branch, joined_on=dt.date(2025, 4, 2))
    assert m1.member_no == "20250000001" and m2.member_no == "20250000002"
    assert m1.events.get().kind == MembershipEvent.Kind.JOIN


def test_a_member_cannot_join_a_second_time(city):
    user, _ = f.member(city.branch)
    with pytest.raises(BusinessError) as err:
        services.membership_create(person=user.person, union=city.sibling, dues_mode="self_pay", actor=None)
    assert err.value.code == "already_member"


def test_membership_lifecycle_allowed_transitions(city, today):
    today("2025-03-10")
    _, m = f.member(city.branch, joined_on=dt.date(2024, 1, 1))
    actor = city.branch_staff
    m = services.membership_retain(membership_id=m.pk, actor=actor, reason="retired")
    assert m.status == MembershipStatus.RETAINED
    assert RetentionPeriod.objects.get(membership=m).retained_on == dt.date(2025, 3, 10)
    today("2025-08-05")
    m = services.membership_restore(membership_id=m.pk, actor=actor)
    assert m.status == MembershipStatus.ACTIVE
    assert RetentionPeriod.objects.get(membership=m).restored_on == dt.date(2025, 8, 5)
    m = services.membership_withdraw(membership_id=m.pk, actor=actor, reason="本人申请，经谈话后决定")
    assert m.status == MembershipStatus.WITHDRAWN
    kinds = list(m.events.values_list("kind", flat=True))
    assert kinds == ["join", "retain", "restore", "withdraw"]
    assert m.events.last().actor == actor


def test_expel_from_retained_and_no_way_back(city):
    _, m = f.member(city.branch)
    services.membership_retain(membership_id=m.pk, actor=city.branch_staff, reason="unemployed")
    m = services.membership_expel(
        membership_id=m.pk, actor=city.branch_staff, reason="委员会决定（刑事处罚）"
    )
    assert m.status == MembershipStatus.EXPELLED
    assert m.events.last().detail == {"reported_to_union_id": city.grassroots.pk}
    for name in ("restore", "withdraw", "reinstate"):
        service = getattr(services, f"membership_{name}")
        with pytest.raises(InvalidTransition):
            service(membership_id=m.pk, actor=city.branch_staff, reason="x")


def test_reinstate_only_after_an_automatic_withdrawal(city):
    _, m = f.member(city.branch)
    services.membership_withdraw(membership_id=m.pk, actor=city.branch_staff, reason="自愿退会")
    with pytest.raises(InvalidTransition):
        services.membership_reinstate(membership_id=m.pk, actor=city.branch_staff, reason="x")
    _, m2 = f.member(city.branch)
    with pytest.raises(InvalidTransition):
        services.membership_restore(membership_id=m2.pk, actor=city.branch_staff)
    services.membership_auto_withdraw(
        membership=Membership.objects.get(pk=m2.pk),
        reason="欠费超过6个月",
        on=dt.date(2025, 8, 1),
        detail={"months": 7},
    )
    m2 = services.membership_reinstate(membership_id=m2.pk, actor=city.branch_staff, reason="代扣记录漏导")
    assert m2.status == MembershipStatus.ACTIVE


def test_retain_reason_must_be_one_of_the_listed(city):
    _, m = f.member(city.branch)
    with pytest.raises(BusinessError):
        services.membership_retain(membership_id=m.pk, actor=city.branch_staff, reason="holiday")


def test_staff_of_a_sibling_union_cannot_change_a_membership(city):
    _, m = f.member(city.branch)
    with pytest.raises(NotInScope):
        services.membership_retain(membership_id=m.pk, actor=city.sibling_staff, reason="retired")
    with pytest.raises(NotInScope):
        services.membership_retain(
            membership_id=m.pk, actor=city.branch2 and f.staff(city.branch2), reason="retired"
        )


def test_member_counts_exclude_retained_members_and_roll_up(city):
    f.member(city.branch)
    _, retained = f.member(city.branch)
    f.member(city.grassroots)
    services.membership_retain(membership_id=retained.pk, actor=city.branch_staff, reason="retired")
    unions = list(selectors.union_scope(city.city_admin))
    counts = selectors.union_member_counts_rolled_up(unions)
    assert counts[city.branch.pk] == 1
    assert counts[city.grassroots.pk] == 2
    assert counts[city.city.pk] == 2
    assert counts[city.sibling.pk] == 0


def test_staff_admin_creates_accounts_only_below_its_union(city):
    user = services.staff_create(
        actor=city.grassroots_staff, username="branch2clerk", password="Clerk-pass-8812", union=city.branch2
    )
    assert user.union == city.branch2 and user.is_staff
    with pytest.raises(NotInScope):
        services.staff_create(
            actor=city.grassroots_staff, username="x1", password="Clerk-pass-8812", union=city.sibling
        )
    with pytest.raises(BusinessError):
        services.staff_create(
            actor=city.grassroots_staff, username="x2", password="Clerk-pass-8812", union=city.grassroots
        )
    with pytest.raises(BusinessError):
        services.staff_create(
            actor=city.branch_staff, username="x3", password="Clerk-pass-8812", union=city.branch
        )


def test_reveal_requires_permission_and_is_audited_without_clear_data(city):
    from unionhub.models import AuditEntry

    user, _m = f.member(city.branch)
    person = user.person
    with pytest.raises(BusinessError):
        services.person_reveal(person=person, actor=city.branch_staff, field="id_number")
    assert services.person_reveal(person=person, actor=city.city_admin, field="id_number") == person.id_number
    entry = AuditEntry.objects.get(action="reveal_id_number")
    assert entry.actor == city.city_admin and entry.object_id == str(person.pk)
    assert person.id_number not in str(entry.detail)


def test_moving_a_union_moves_its_subtree_paths(city):
    city.grassroots.parent = city.county_b
    city.grassroots.save()
    city.branch.refresh_from_db()
    assert city.branch.path.startswith(city.county_b.path)
    assert city.branch.is_within(city.county_b)
