import datetime as dt
import threading

import pytest
from django.db import connection

from applications import services as join_services
from applications.models import JoinApplication
from casework.models import TransitionRecord
from formation import services as formation_services
from formation.models import UnionFormationCase
from members import selectors as member_selectors
from members import services as member_services
from members.models import Membership, MembershipEvent, RetentionPeriod
from notifications.models import OutboxMessage
from tests.applications.conftest import submit as submit_join
from tests.conftest import postgres_only
from tests.members import factories as f
from tests.transfers.conftest import ask, reservoir_members
from transfers import services
from transfers.models import TransferApplication
from unionhub.lib.errors import BusinessError, InvalidTransition, NotInScope

pytestmark = pytest.mark.django_db


def test_direct_transfer_moves_membership_with_number_join_date_and_ledger(city, branch_member):
    user, membership = branch_member
    before = Membership.objects.get(pk=membership.pk)
    app = ask(user, union=city.sibling, unit_name="乙厂")
    assert app.from_union == city.branch and app.state == "submitted"
    app = services.transfer_application_approve(
        application_id=app.pk, actor=city.sibling_staff, comment="同意"
    )
    after = Membership.objects.get(pk=membership.pk)
    assert after.union == city.sibling
    assert (after.member_no, after.joined_on, after.dues_start, after.status, after.dues_mode) == (
        before.member_no,
        before.joined_on,
        before.dues_start,
        before.status,
        before.dues_mode,
    )
    assert (
        Membership.objects.filter(person=user.person).count() == 1
    )  # the same row: the dues ledger stays on it
    event = MembershipEvent.objects.get(membership=membership, kind="transfer")
    assert (event.from_union, event.to_union, event.actor) == (city.branch, city.sibling, city.sibling_staff)
    assert OutboxMessage.objects.get(recipient=user, channel="inbox").template == "transfer_approved"
    assert OutboxMessage.objects.filter(recipient=city.branch_staff, template="transfer_out_notice").exists()
    assert [
        r.target
        for r in TransitionRecord.objects.filter(object_id=app.pk, content_type__model="transferapplication")
    ] == ["submitted", "approved"]


def test_dispatch_route_transfer(city, branch_member):
    user, membership = branch_member
    app = ask(user, unit_name="丙厂")
    app = services.transfer_application_dispatch(
        application_id=app.pk, actor=city.city_admin, county=city.county_b
    )
    app = services.transfer_application_verify(
        application_id=app.pk, actor=city.county_b_admin, union=city.other
    )
    app = services.transfer_application_approve(
        application_id=app.pk, actor=city.other_staff, dues_mode="payroll"
    )
    membership = Membership.objects.get(pk=membership.pk)
    assert membership.union == city.other and membership.dues_mode == "payroll"


def test_transfer_refused_by_state(city, branch_member):
    user, _m = branch_member
    app = ask(user)
    with pytest.raises(InvalidTransition):
        services.transfer_application_verify(application_id=app.pk, actor=city.city_admin, union=city.other)
    app = services.transfer_application_dispatch(
        application_id=app.pk, actor=city.city_admin, county=city.county_b
    )
    with pytest.raises(InvalidTransition):
        services.transfer_application_approve(application_id=app.pk, actor=city.city_admin)
    services.transfer_application_withdraw(application_id=app.pk, user=user)
    with pytest.raises(InvalidTransition):
        services.transfer_application_withdraw(application_id=app.pk, user=user)
    with pytest.raises(InvalidTransition):
        services.transfer_application_reject(application_id=app.pk, actor=city.city_admin, reason="x")


def test_transfer_refused_by_role(city, branch_member):
    user, _m = branch_member
    app = ask(user, union=city.sibling)
    with pytest.raises(InvalidTransition):  # the old union follows the transfer but does not decide it
        services.transfer_application_approve(application_id=app.pk, actor=city.branch_staff)
    with pytest.raises(NotInScope):
        services.transfer_application_approve(application_id=app.pk, actor=city.other_staff)
    with pytest.raises(NotInScope):
        services.transfer_application_withdraw(application_id=app.pk, user=f.person_user(name="他人"))
    app2 = ask(f.member(city.grassroots, name="吴会员")[0])
    with pytest.raises(
        InvalidTransition
    ):  # the county of the old union sees it, but only the city dispatches
        services.transfer_application_dispatch(
            application_id=app2.pk, actor=city.county_a_admin, county=city.county_a
        )
    with pytest.raises(NotInScope):
        services.transfer_application_dispatch(
            application_id=app2.pk, actor=city.county_b_admin, county=city.county_b
        )
    app2 = services.transfer_application_dispatch(
        application_id=app2.pk, actor=city.city_admin, county=city.county_b
    )
    with pytest.raises(InvalidTransition):
        services.transfer_application_verify(application_id=app2.pk, actor=city.city_admin, union=city.other)
    with pytest.raises(InvalidTransition):  # county A follows its member's transfer; county B verifies it
        services.transfer_application_verify(
            application_id=app2.pk, actor=city.county_a_admin, union=city.other
        )


def test_reject_tells_member_and_keeps_membership(city, branch_member):
    user, membership = branch_member
    app = ask(user, union=city.sibling)
    services.transfer_application_reject(
        application_id=app.pk, actor=city.sibling_staff, reason="非本单位职工"
    )
    assert Membership.objects.get(pk=membership.pk).union == city.branch
    assert OutboxMessage.objects.get(recipient=user, channel="inbox").template == "transfer_rejected"


def test_one_open_application_at_a_time(city, branch_member):
    user, _m = branch_member
    ask(user, union=city.sibling)
    with pytest.raises(BusinessError) as exc:
        ask(user, union=city.other)
    assert exc.value.code == "open_application_exists"
    assert TransferApplication.objects.count() == 1


def test_same_union_refused(city, branch_member):
    with pytest.raises(BusinessError) as exc:
        ask(branch_member[0], union=city.branch)
    assert exc.value.code == "same_union"


def test_unknown_person_from_outside_the_city_becomes_a_join_application(city):
    newcomer = f.person_user(name="市外来")
    app, kind = services.transfer_application_submit(
        user=newcomer, union=city.branch, unit_name="甲厂", reason="从外市调入"
    )
    assert kind == "join" and isinstance(app, JoinApplication) and app.union == city.branch
    assert not TransferApplication.objects.exists()
    message = OutboxMessage.objects.get(recipient=newcomer, channel="inbox")
    assert message.template == "transfer_became_join" and "入会申请" in message.body


def test_secondment_of_less_than_six_months_refused(city, branch_member, today):
    today("2025-04-15")
    with pytest.raises(BusinessError) as exc:
        ask(branch_member[0], union=city.sibling, secondment_until=dt.date(2025, 10, 14))
    assert exc.value.code == "secondment_too_short"


def test_secondment_end_reminds_once_to_transfer_back(city, branch_member, today):
    today("2025-04-15")
    user, _m = branch_member
    app = ask(user, union=city.sibling, secondment_until=dt.date(2025, 10, 15))
    services.transfer_application_approve(application_id=app.pk, actor=city.sibling_staff)
    assert services.secondment_end_remind(today=dt.date(2025, 10, 14)) == 0
    assert services.secondment_end_remind(today=dt.date(2025, 10, 15)) == 1
    assert services.secondment_end_remind(today=dt.date(2025, 10, 16)) == 0
    message = OutboxMessage.objects.get(recipient=user, template="secondment_ended", channel="inbox")
    assert "转回甲厂一分工会" in message.body
    assert OutboxMessage.objects.filter(
        recipient=city.branch_staff, template="secondment_ended_staff"
    ).exists()
    back = ask(user, union=city.branch)  # the transfer back is an ordinary transfer
    assert back.from_union == city.sibling


def test_move_out_to_reservoir_and_member_told(city, branch_member):
    user, membership = branch_member
    member_services.membership_move_out(membership_id=membership.pk, actor=city.branch_staff, reason="已离职")
    membership = Membership.objects.get(pk=membership.pk)
    assert membership.union == city.reservoir_a
    assert MembershipEvent.objects.get(membership=membership, kind="move_out").reason == "已离职"
    assert OutboxMessage.objects.get(recipient=user, channel="inbox").template == "membership_moved_out"
    app = ask(user, union=city.sibling)  # later applies on to a new union
    assert app.from_union == city.reservoir_a
    with pytest.raises(NotInScope):
        member_services.membership_move_out(membership_id=membership.pk, actor=city.other_staff, reason="x")


def test_retained_members_excluded_from_counts_and_period_recorded(city):
    _u, m1 = f.member(city.branch)
    f.member(city.branch)
    member_services.membership_retain(membership_id=m1.pk, actor=city.branch_staff, reason="retired")
    assert member_selectors.union_member_counts(type(city.branch).objects.filter(pk=city.branch.pk)) == {
        city.branch.pk: 1
    }
    member_services.membership_restore(membership_id=m1.pk, actor=city.branch_staff)
    period = RetentionPeriod.objects.get(membership=m1)
    assert period.retained_on and period.restored_on


@postgres_only()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transfer_approvals_exactly_one_wins(city, branch_member):
    user, membership = branch_member
    app = ask(user, union=city.sibling)
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(actor):
        try:
            barrier.wait()
            services.transfer_application_approve(application_id=app.pk, actor=actor)
            outcomes.append("ok")
        except InvalidTransition:
            outcomes.append("409")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(a,)) for a in (city.sibling_staff, city.county_a_admin)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["409", "ok"]
    assert MembershipEvent.objects.filter(membership=membership, kind="transfer").count() == 1


# --- union formation -------------------------------------------------------------------------------------


def test_twenty_fifth_reservoir_member_opens_one_case_with_thirty_working_day_deadline(city, today):
    today("2025-09-22")
    reservoir_members(city.reservoir_a, "某物流公司", 24)
    assert not UnionFormationCase.objects.exists()
    app = submit_join(f.person_user(name="第二十五"), union=city.reservoir_a, unit_name="某物流公司")
    join_services.join_application_approve(
        application_id=app.pk, actor=city.reservoir_a_staff, dues_mode="self_pay"
    )
    case = UnionFormationCase.objects.get()
    assert (case.employer_name, case.reservoir, case.county, case.member_count) == (
        "某物流公司",
        city.reservoir_a,
        city.county_a,
        25,
    )
    assert case.due_at == dt.date(2025, 11, 7)  # 30 working days: 1–8 Oct off, 28 Sep and 11 Oct worked
    assert OutboxMessage.objects.filter(
        recipient=city.county_a_admin, template="union_formation_opened"
    ).exists()
    app = submit_join(f.person_user(name="第二十六"), union=city.reservoir_a, unit_name="某物流公司")
    join_services.join_application_approve(
        application_id=app.pk, actor=city.reservoir_a_staff, dues_mode="self_pay"
    )
    assert UnionFormationCase.objects.count() == 1
    assert UnionFormationCase.objects.get().member_count == 26


@postgres_only()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_racing_approvals_past_the_threshold_open_one_case(city):
    reservoir_members(city.reservoir_a, "某物流公司", 23)
    apps = [
        submit_join(f.person_user(name=n), union=city.reservoir_a, unit_name="某物流公司")
        for n in ("甲", "乙")
    ]
    barrier = threading.Barrier(2)
    errors = []

    def approve(app, actor):
        try:
            barrier.wait()
            join_services.join_application_approve(application_id=app.pk, actor=actor, dues_mode="self_pay")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=approve, args=(app, actor))
        for app, actor in zip(apps, (city.reservoir_a_staff, city.county_a_admin), strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert UnionFormationCase.objects.count() == 1


def test_establishment_then_bulk_transfer_of_reservoir_members(city):
    memberships = reservoir_members(city.reservoir_a, "某物流公司", 25)
    other_employer = reservoir_members(city.reservoir_a, "别的公司", 1)[0]
    case = formation_services.union_formation_check(reservoir=city.reservoir_a, employer_name="某物流公司")
    with pytest.raises(InvalidTransition):  # the reservoir follows the case; the county acts
        formation_services.union_formation_issue_notice(case_id=case.pk, actor=city.reservoir_a_staff)
    with pytest.raises(NotInScope):
        formation_services.union_formation_issue_notice(case_id=case.pk, actor=city.county_b_admin)
    with pytest.raises(InvalidTransition):
        formation_services.union_formation_transfer_members(case_id=case.pk, actor=city.county_a_admin)
    formation_services.union_formation_issue_notice(case_id=case.pk, actor=city.county_a_admin)
    new_union = f.union(name="某物流公司工会委员会", parent=city.county_a)
    with pytest.raises(BusinessError):
        formation_services.union_formation_establish(
            case_id=case.pk, actor=city.county_a_admin, union=city.other
        )
    formation_services.union_formation_establish(case_id=case.pk, actor=city.county_a_admin, union=new_union)
    case = formation_services.union_formation_transfer_members(case_id=case.pk, actor=city.county_a_admin)
    assert case.state == "transferred" and case.transferred_count == 25
    moved = Membership.objects.filter(pk__in=[m.pk for m in memberships])
    assert set(moved.values_list("union", flat=True)) == {new_union.pk}
    assert set(moved.values_list("member_no", flat=True)) == {m.member_no for m in memberships}
    assert (
        MembershipEvent.objects.filter(
            kind="transfer", from_union=city.reservoir_a, to_union=new_union
        ).count()
        == 25
    )
    assert Membership.objects.get(pk=other_employer.pk).union == city.reservoir_a
    assert [
        r.transition
        for r in TransitionRecord.objects.filter(content_type__model="unionformationcase", object_id=case.pk)
    ] == ["open", "issue_notice", "establish", "transfer_members"]


def test_no_formation_case_for_an_employer_that_has_a_union(city):
    from members.models import EmployerUnit

    unit = EmployerUnit.objects.create(name="有工会的公司")
    f.union(name="有工会的公司工会", parent=city.county_a, employer=unit)
    reservoir_members(city.reservoir_a, "有工会的公司", 25)
    assert (
        formation_services.union_formation_check(reservoir=city.reservoir_a, employer_name="有工会的公司")
        is None
    )
    assert not UnionFormationCase.objects.exists()
