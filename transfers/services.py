"""Transfers between unions, moves out to the reservoir union, secondments and union formation (督促建会).

Transfer applications run on the join workflow (`applications.services.application_transition`); approval moves
the membership with `members.services.membership_move`, so member number, join date and dues ledger stay."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from applications import selectors as app_selectors
from applications import services as app_services
from applications.models import ApplicationState
from members import selectors as member_selectors
from members import services as member_services
from members.models import (
    DuesMode,
    EmploymentType,
    Membership,
    MembershipEvent,
    MembershipStatus,
    Person,
    Union,
    User,
)
from transfers.models import TransferApplication, UnionFormationCase
from unionhub import clock
from unionhub.errors import BusinessError, InvalidTransition, NotInScope
from unionhub.notify import notify

SECONDMENT_MIN_MONTHS = 6


def _user_of(person_id: int) -> User | None:
    return User.objects.filter(person=person_id).first()


def _tell(person_id: int, *, template: str, subject: str, body: str, dedupe_key: str) -> None:
    recipient = _user_of(person_id)
    if recipient is not None:
        notify(recipient=recipient, template=template, subject=subject, body=body, dedupe_key=dedupe_key)


def _tell_staff(union: Union, *, template: str, subject: str, body: str, dedupe_key: str) -> None:
    for staff in User.objects.filter(union=union, is_active=True, is_staff=True):
        notify(recipient=staff, template=template, subject=subject, body=body,
               dedupe_key=f"{dedupe_key}:{staff.pk}", channels=("inbox", "email"))


@transaction.atomic
def membership_move_out(*, membership_id: int, actor: User, reason: str) -> Membership:
    """迁出: a member who left without applying goes to the county's reservoir union; the member is told."""
    membership = Membership.objects.select_for_update().select_related("union").filter(pk=membership_id).first()
    if membership is None or not member_selectors.union_in_scope(actor, membership.union):
        raise NotInScope()
    reservoir = member_selectors.reservoir_for(membership.union)
    if reservoir is None:
        raise BusinessError("no_reservoir", gettext("所属县区总工会没有职工服务中心工会。"))
    if reservoir.pk == membership.union_id:
        raise BusinessError("already_in_reservoir", gettext("该会员已在职工服务中心工会。"))
    old_union = membership.union
    membership = member_services.membership_move(membership_id=membership.pk, to_union=reservoir, actor=actor,
                                                 kind=MembershipEvent.Kind.MOVE_OUT, reason=reason or "迁出")
    event = membership.events.order_by("-pk").first()
    _tell(membership.person_id, template="membership_moved_out", subject="会员组织关系已迁出",
          body=(f"您好！因您的劳动（工作）关系发生变化，您的工会会员组织关系已由{old_union.name}迁至{reservoir.name}"
                f"管理。到新单位后，请在网上提交转会申请，为您办理会员组织关系转接手续。"),
          dedupe_key=f"moveout:{event.pk}")
    return membership  # the unit on record is the one the member left: no union-formation count here


@transaction.atomic
def transfer_application_submit(*, user: User, union: Union | None, unit_name: str, reason: str = "",
                                secondment_until: dt.date | None = None):
    """A member asks to move. Someone not known as a member (e.g. from outside the city) gets a join application
    instead and is told why. Returns (application, kind) with kind "transfer" or "join"."""
    person = user.person
    if person is None:
        raise BusinessError("not_a_member_account", gettext("该账号不是会员账号。"))
    person = Person.objects.select_for_update().get(pk=person.pk)
    if app_services.open_application_exists(person):
        raise BusinessError("open_application_exists", gettext("您已有一份正在办理的申请，请等待处理结果或先撤销。"))
    membership = member_selectors.membership_open(person)
    if membership is None:
        employment = person.employment_type or EmploymentType.STAFF
        app = app_services.join_application_submit(
            user=user, union=union, unit_name=unit_name, employment_type=employment, hire_date=person.hire_date,
            statement="", proof=None, wants_card=person.wants_card,
        )
        _tell(person.pk, template="transfer_became_join", subject="转会申请已转为入会申请",
              body=("您好！系统中未查询到您在本市的工会会员信息（例如会员关系在市外），无法办理会籍转接。"
                    "根据规定，已为您转为网上入会申请，审核通过后即成为会员。"),
              dedupe_key=f"join:{app.pk}:from_transfer")
        return app, "join"
    if union is not None and union.pk == membership.union_id:
        raise BusinessError("same_union", gettext("您已是该工会的会员。"))
    if union is not None and not union.accepts_members:
        raise BusinessError("union_not_accepting", gettext("该工会不直接接收会员，请选择基层工会或分工会。"))
    today = clock.today()
    if secondment_until is not None and secondment_until < today + relativedelta(months=SECONDMENT_MIN_MONTHS):
        raise BusinessError("secondment_too_short", gettext("借调六个月以上方可转接会员关系。"))
    app = TransferApplication(
        applicant=person, membership=membership, from_union=membership.union, union=union,
        unit_name=unit_name.strip(), transfer_reason=reason.strip(), secondment_until=secondment_until,
        due_at=app_selectors.due_date(today, app_services.DUE_WORKING_DAYS),
    )
    try:
        with transaction.atomic():
            app.save()
    except IntegrityError as exc:
        raise BusinessError("open_application_exists", gettext("您已有一份正在办理的申请。")) from exc
    app_services.transition_record(obj=app, transition="submit", source="", actor=user)
    return app, "transfer"


@transaction.atomic
def transfer_application_dispatch(*, application_id: int, actor: User, county: Union,
                                  comment: str = "") -> TransferApplication:
    return app_services.application_dispatch(TransferApplication, application_id=application_id, actor=actor,
                                             county=county, comment=comment)


@transaction.atomic
def transfer_application_verify(*, application_id: int, actor: User, union: Union | None,
                                employer_name: str = "", comment: str = "") -> TransferApplication:
    return app_services.application_verify(TransferApplication, application_id=application_id, actor=actor,
                                           union=union, employer_name=employer_name, comment=comment)


@transaction.atomic
def transfer_application_approve(*, application_id: int, actor: User, comment: str = "",
                                 dues_mode: str = "") -> TransferApplication:
    """Approve: the membership moves in the same transaction; both unions keep the event; the member is told."""
    if dues_mode and dues_mode not in DuesMode.values:
        raise BusinessError("invalid_dues_mode", gettext("缴费方式应为 self_pay、payroll 或 unit_paid。"))
    app = app_services.application_lock(TransferApplication, pk=application_id, actor=actor)
    app_services.application_transition(app, "approve", actor=actor, comment=comment or "同意转入",
                                        by=actor, at=clock.now())
    membership = Membership.objects.select_for_update().get(pk=app.membership_id)
    if membership.status not in (MembershipStatus.ACTIVE, MembershipStatus.RETAINED):
        raise BusinessError("membership_inactive", gettext("该会籍已不在有效状态，不能转会。"))
    old_union = membership.union
    detail = {"transfer_application_id": app.pk}
    if app.secondment_until:
        detail["secondment_until"] = app.secondment_until.isoformat()
    member_services.membership_move(membership_id=membership.pk, to_union=app.union, actor=actor,
                                    kind=MembershipEvent.Kind.TRANSFER, reason=comment or "转会", detail=detail)
    if dues_mode and dues_mode != membership.dues_mode:
        Membership.objects.filter(pk=membership.pk).update(dues_mode=dues_mode)
        MembershipEvent.objects.create(membership=membership, kind=MembershipEvent.Kind.DUES_MODE,
                                       from_status=membership.status, to_status=membership.status,
                                       from_union=app.union, to_union=app.union, actor=actor, on=clock.today(),
                                       reason="转会时变更缴费方式", detail={"dues_mode": dues_mode})
    person = app.applicant
    person.unit_name = app.employer_name or app.unit_name
    person.save(update_fields=["unit_name", "updated_at"])
    _tell(person.pk, template="transfer_approved", subject="转会申请已通过",
          body=(f"您好！您的转会申请已经通过审核，会员组织关系已由{old_union.name}转入{app.union.name}，"
                f"会员编号、入会时间和缴费记录保持不变。{app.union.name}竭诚为您提供热情周到的服务！"),
          dedupe_key=f"transfer:{app.pk}:result")
    _tell_staff(old_union, template="transfer_out_notice", subject="会员已转出",
                body=f"会员{person.name}（{membership.member_no}）已于{clock.today():%Y-%m-%d}转入{app.union.name}。",
                dedupe_key=f"transfer:{app.pk}:out")
    if app.union.is_reservoir:
        union_formation_check(reservoir=app.union, employer_name=person.unit_name)
    return app


@transaction.atomic
def transfer_application_reject(*, application_id: int, actor: User, reason: str) -> TransferApplication:
    reason = (reason or "").strip()
    if not reason:
        raise BusinessError("reason_required", gettext("请填写驳回原因。"))
    app = app_services.application_lock(TransferApplication, pk=application_id, actor=actor)
    app_services.application_transition(app, "reject", actor=actor, comment=reason, by=actor, at=clock.now(),
                                        reason=reason)
    _tell(app.applicant_id, template="transfer_rejected", subject="转会申请未通过",
          body=f"您好！很抱歉，您的转会申请未通过审核。原因：{reason}。会员组织关系仍在{app.from_union.name}。",
          dedupe_key=f"transfer:{app.pk}:result")
    return app


@transaction.atomic
def transfer_application_withdraw(*, application_id: int, user: User, comment: str = "") -> TransferApplication:
    app = app_services.application_lock(TransferApplication, pk=application_id, actor=user, staff=False)
    app_services.application_transition(app, "withdraw", actor=user, comment=comment or "申请人撤销",
                                        at=clock.now())
    return app


def transfer_overdue_remind(*, today: dt.date) -> int:
    return app_services.application_overdue_remind(today=today, model=TransferApplication)


def secondment_end_remind(*, today: dt.date) -> int:
    """借调期满: propose the transfer back to the member and tell the union the member came from (once)."""
    due = (TransferApplication.objects.filter(state=ApplicationState.APPROVED, secondment_until__lte=today,
                                              secondment_reminded_on__isnull=True)
           .select_related("applicant", "from_union", "union"))
    count = 0
    for app in due:
        _tell(app.applicant_id, template="secondment_ended", subject="借调期满，请办理会员关系转回",
              body=(f"您好！您的借调已于{app.secondment_until:%Y-%m-%d}期满，请在网上提交转会申请，"
                    f"将会员组织关系由{app.union.name}转回{app.from_union.name}。"),
              dedupe_key=f"transfer:{app.pk}:secondment_end")
        _tell_staff(app.from_union, template="secondment_ended_staff", subject="借调会员期满",
                    body=f"借调会员{app.applicant.name}已于{app.secondment_until:%Y-%m-%d}期满，会员关系应转回本会。",
                    dedupe_key=f"transfer:{app.pk}:secondment_end_staff")
        TransferApplication.objects.filter(pk=app.pk).update(secondment_reminded_on=today)
        count += 1
    return count


# --- union formation (督促建会) ---------------------------------------------------------------------------------

def _reservoir_members(reservoir: Union, employer_name: str):
    return Membership.objects.filter(union=reservoir, person__unit_name=employer_name,
                                     status__in=[MembershipStatus.ACTIVE, MembershipStatus.RETAINED])


def union_formation_check(*, reservoir: Union, employer_name: str) -> UnionFormationCase | None:
    """Open the case once 25 or more reservoir members share an employer (at most one case: unique constraint)."""
    employer_name = (employer_name or "").strip()
    if not reservoir.is_reservoir or not employer_name:
        return None
    if Union.objects.filter(employer__name=employer_name, is_reservoir=False).exists():
        return None  # the employer has a union already: its members move by transfer
    count = _reservoir_members(reservoir, employer_name).count()
    if count < UnionFormationCase.THRESHOLD:
        return None
    today = clock.today()
    county = reservoir.county or reservoir.parent
    try:
        with transaction.atomic():
            case, created = UnionFormationCase.objects.get_or_create(
                reservoir=reservoir, employer_name=employer_name,
                defaults={"county": county, "member_count": count, "opened_on": today,
                          "due_at": app_selectors.due_date(today, UnionFormationCase.NOTICE_WORKING_DAYS)},
            )
    except IntegrityError:  # another approval opened it a moment ago
        return UnionFormationCase.objects.get(reservoir=reservoir, employer_name=employer_name)
    if not created:
        UnionFormationCase.objects.filter(pk=case.pk).update(member_count=count)
        return case
    app_services.transition_record(obj=case, transition="open", source="", actor=None,
                                   comment=f"{employer_name}在{reservoir.name}的会员达到{count}人")
    _tell_staff(county, template="union_formation_opened", subject="督促建会提醒",
                body=(f"{employer_name}已有{count}名职工在{reservoir.name}入会，请启动督促建会流程，"
                      f"于{case.due_at:%Y-%m-%d}前下发《工会组建通知书》。"),
                dedupe_key=f"formation:{case.pk}:opened")
    return case


def _locked_case(case_id: int, actor: User) -> UnionFormationCase:
    case = (UnionFormationCase.objects.select_for_update(of=("self",)).select_related("county", "reservoir")
            .filter(pk=case_id).first())
    if case is None or not (member_selectors.union_in_scope(actor, case.county)
                            or member_selectors.union_in_scope(actor, case.reservoir)):
        raise NotInScope()
    if not member_selectors.union_in_scope(actor, case.county):
        raise InvalidTransition(case.state, "formation_step")  # reservoir staff follow the case, the county acts
    return case


def _case_step(case: UnionFormationCase, name: str, actor: User, comment: str, **kwargs) -> None:
    from django_fsm import can_proceed

    method = getattr(case, name)
    if not can_proceed(method):
        raise InvalidTransition(case.state, name)
    source = case.state
    method(**kwargs)
    case.updated_by = actor
    case.save()
    app_services.transition_record(obj=case, transition=name, source=source, actor=actor, comment=comment)


@transaction.atomic
def union_formation_issue_notice(*, case_id: int, actor: User, comment: str = "") -> UnionFormationCase:
    case = _locked_case(case_id, actor)
    _case_step(case, "issue_notice", actor, comment or "已下发《工会组建通知书》", on=clock.today())
    return case


@transaction.atomic
def union_formation_establish(*, case_id: int, actor: User, union: Union, comment: str = "") -> UnionFormationCase:
    case = _locked_case(case_id, actor)
    if (union.is_reservoir or not union.accepts_members or not union.path.startswith(case.county.path)):
        raise BusinessError("invalid_union", gettext("请选择本县区内该单位新成立的工会。"))
    _case_step(case, "establish", actor, comment or f"已成立{union.name}", union=union, on=clock.today())
    return case


@transaction.atomic
def union_formation_transfer_members(*, case_id: int, actor: User, comment: str = "") -> UnionFormationCase:
    """After establishment: every reservoir member of that employer moves to the new union in one step, each with
    a transfer event in their history (set-based: one update, one bulk insert)."""
    case = _locked_case(case_id, actor)
    from django_fsm import can_proceed

    if not can_proceed(case.transfer_members):
        raise InvalidTransition(case.state, "transfer_members")
    rows = list(_reservoir_members(case.reservoir, case.employer_name).select_for_update()
                .values_list("pk", "status"))
    today = clock.today()
    Membership.objects.filter(pk__in=[pk for pk, _s in rows]).update(union=case.new_union)
    MembershipEvent.objects.bulk_create([
        MembershipEvent(membership_id=pk, kind=MembershipEvent.Kind.TRANSFER, from_status=status,
                        to_status=status, from_union=case.reservoir, to_union=case.new_union, actor=actor, on=today,
                        reason="单位建会，会籍转接", detail={"union_formation_case_id": case.pk})
        for pk, status in rows
    ])
    _case_step(case, "transfer_members", actor, comment or f"{len(rows)}名会员转入{case.new_union.name}",
               count=len(rows))
    for person_id in Membership.objects.filter(pk__in=[pk for pk, _s in rows]).values_list("person_id", flat=True):
        _tell(person_id, template="union_formation_transferred", subject="会员组织关系已转入本单位工会",
              body=(f"您好！您所在的单位已成立{case.new_union.name}，您的会员组织关系已由{case.reservoir.name}"
                    f"转入本单位工会，会员编号和缴费记录保持不变。"),
              dedupe_key=f"formation:{case.pk}:moved:{person_id}")
    return case
