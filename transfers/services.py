"""Transfers between unions, moves out to the reservoir union, secondments and union formation (督促建会).

Transfer applications run on the shared workflow (`casework.services.application_transition`); approval moves
the membership with `members.services.membership_move`, so member number, join date and dues ledger stay."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from applications import services as app_services
from casework import selectors as case_selectors
from casework import services as case_services
from casework.models import ApplicationState
from casework.services import person_notify, union_staff_notify
from formation.services import union_formation_check
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
from members.permissions import member_person
from transfers.models import TransferApplication
from unionhub.lib import clock
from unionhub.lib.errors import BusinessError

SECONDMENT_MIN_MONTHS = 6


@transaction.atomic
def transfer_application_submit(
    *,
    user: User,
    union: Union | None,
    unit_name: str,
    reason: str = "",
    secondment_until: dt.date | None = None,
):
    """A member asks to move. Someone not known as a member (e.g. from outside the city) gets a join application
    instead and is told why. Returns (application, kind) with kind "transfer" or "join"."""
    person = Person.objects.select_for_update().get(pk=member_person(user).pk)
    if case_services.open_application_exists(person):
        raise BusinessError(
            "open_application_exists", gettext("您已有一份正在办理的申请，请等待处理结果或先撤销。")
        )
    membership = member_selectors.membership_open(person)
    if membership is None:
        employment = person.employment_type or EmploymentType.STAFF
        app = app_services.join_application_submit(
            user=user,
            union=union,
            unit_name=unit_name,
            employment_type=employment,
            hire_date=person.hire_date,
            statement="",
            proof=None,
            wants_card=person.wants_card,
        )
        person_notify(
            person.pk,
            template="transfer_became_join",
            subject="转会申请已转为入会申请",
            body=(
                "您好！系统中未查询到您在本市的工会会员信息（例如会员关系在市外），无法办理会籍转接。"
                "根据规定，已为您转为网上入会申请，审核通过后即成为会员。"
            ),
            dedupe_key=f"join:{app.pk}:from_transfer",
        )
        return app, "join"
    if union is not None and union.pk == membership.union_id:
        raise BusinessError("same_union", gettext("您已是该工会的会员。"))
    if union is not None and not union.accepts_members:
        raise BusinessError("union_not_accepting", gettext("该工会不直接接收会员，请选择基层工会或分工会。"))
    today = clock.today()
    if secondment_until is not None and secondment_until < today + relativedelta(
        months=SECONDMENT_MIN_MONTHS
    ):
        raise BusinessError("secondment_too_short", gettext("借调六个月以上方可转接会员关系。"))
    app = TransferApplication(
        applicant=person,
        membership=membership,
        from_union=membership.union,
        union=union,
        unit_name=unit_name.strip(),
        transfer_reason=reason.strip(),
        secondment_until=secondment_until,
        due_at=case_selectors.due_date(today, case_services.DUE_WORKING_DAYS),
    )
    try:
        with transaction.atomic():
            app.save()
    except IntegrityError as exc:
        raise BusinessError("open_application_exists", gettext("您已有一份正在办理的申请。")) from exc
    case_services.transition_record(obj=app, transition="submit", source="", actor=user)
    return app, "transfer"


@transaction.atomic
def transfer_application_dispatch(
    *, application_id: int, actor: User, county: Union, comment: str = ""
) -> TransferApplication:
    return case_services.application_dispatch(
        TransferApplication, application_id=application_id, actor=actor, county=county, comment=comment
    )


@transaction.atomic
def transfer_application_verify(
    *, application_id: int, actor: User, union: Union | None, employer_name: str = "", comment: str = ""
) -> TransferApplication:
    return case_services.application_verify(
        TransferApplication,
        application_id=application_id,
        actor=actor,
        union=union,
        employer_name=employer_name,
        comment=comment,
    )


@transaction.atomic
def transfer_application_approve(
    *, application_id: int, actor: User, comment: str = "", dues_mode: str = ""
) -> TransferApplication:
    """Approve: the membership moves in the same transaction; both unions keep the event; the member is told."""
    if dues_mode and dues_mode not in DuesMode.values:
        raise BusinessError("invalid_dues_mode", gettext("缴费方式应为 self_pay、payroll 或 unit_paid。"))
    app = case_services.application_lock(TransferApplication, pk=application_id, actor=actor)
    case_services.application_transition(
        app, "approve", actor=actor, comment=comment or "同意转入", by=actor, at=clock.now()
    )
    membership = Membership.objects.select_for_update().get(pk=app.membership_id)
    if membership.status not in (MembershipStatus.ACTIVE, MembershipStatus.RETAINED):
        raise BusinessError("membership_inactive", gettext("该会籍已不在有效状态，不能转会。"))
    old_union = membership.union
    detail = {"transfer_application_id": app.pk}
    if app.secondment_until:
        detail["secondment_until"] = app.secondment_until.isoformat()
    member_services.membership_move(
        membership_id=membership.pk,
        to_union=app.union,
        actor=actor,
        kind=MembershipEvent.Kind.TRANSFER,
        reason=comment or "转会",
        detail=detail,
    )
    if dues_mode:
        member_services.membership_dues_mode_change(
            membership_id=membership.pk,
            dues_mode=dues_mode,
            actor=actor,
            reason="转会时变更缴费方式",
            union=app.union,
        )
    person = app.applicant
    person.unit_name = app.employer_name or app.unit_name
    person.save(update_fields=["unit_name", "updated_at"])
    person_notify(
        person.pk,
        template="transfer_approved",
        subject="转会申请已通过",
        body=(
            f"您好！您的转会申请已经通过审核，会员组织关系已由{old_union.name}转入{app.union.name}，"
            f"会员编号、入会时间和缴费记录保持不变。{app.union.name}竭诚为您提供热情周到的服务！"
        ),
        dedupe_key=f"transfer:{app.pk}:result",
    )
    union_staff_notify(
        old_union,
        template="transfer_out_notice",
        subject="会员已转出",
        body=f"会员{person.name}（{membership.member_no}）已于{clock.today():%Y-%m-%d}转入{app.union.name}。",
        dedupe_key=f"transfer:{app.pk}:out",
    )
    if app.union.is_reservoir:
        union_formation_check(reservoir=app.union, employer_name=person.unit_name)
    return app


@transaction.atomic
def transfer_application_reject(*, application_id: int, actor: User, reason: str) -> TransferApplication:
    reason = (reason or "").strip()
    if not reason:
        raise BusinessError("reason_required", gettext("请填写驳回原因。"))
    app = case_services.application_lock(TransferApplication, pk=application_id, actor=actor)
    case_services.application_transition(
        app, "reject", actor=actor, comment=reason, by=actor, at=clock.now(), reason=reason
    )
    person_notify(
        app.applicant_id,
        template="transfer_rejected",
        subject="转会申请未通过",
        body=f"您好！很抱歉，您的转会申请未通过审核。原因：{reason}。会员组织关系仍在{app.from_union.name}。",
        dedupe_key=f"transfer:{app.pk}:result",
    )
    return app


@transaction.atomic
def transfer_application_withdraw(
    *, application_id: int, user: User, comment: str = ""
) -> TransferApplication:
    app = case_services.application_lock(TransferApplication, pk=application_id, actor=user, staff=False)
    case_services.application_transition(
        app, "withdraw", actor=user, comment=comment or "申请人撤销", at=clock.now()
    )
    return app


def transfer_overdue_remind(*, today: dt.date) -> int:
    return case_services.application_overdue_remind(today=today, model=TransferApplication)


def secondment_end_remind(*, today: dt.date) -> int:
    """借调期满: propose the transfer back to the member and tell the union the member came from (once)."""
    due = TransferApplication.objects.filter(
        state=ApplicationState.APPROVED, secondment_until__lte=today, secondment_reminded_on__isnull=True
    ).select_related("applicant", "from_union", "union")
    count = 0
    for app in due:
        person_notify(
            app.applicant_id,
            template="secondment_ended",
            subject="借调期满，请办理会员关系转回",
            body=(
                f"您好！您的借调已于{app.secondment_until:%Y-%m-%d}期满，请在网上提交转会申请，"
                f"将会员组织关系由{app.union.name}转回{app.from_union.name}。"
            ),
            dedupe_key=f"transfer:{app.pk}:secondment_end",
        )
        union_staff_notify(
            app.from_union,
            template="secondment_ended_staff",
            subject="借调会员期满",
            body=f"借调会员{app.applicant.name}已于{app.secondment_until:%Y-%m-%d}期满，会员关系应转回本会。",
            dedupe_key=f"transfer:{app.pk}:secondment_end_staff",
        )
        TransferApplication.objects.filter(pk=app.pk).update(secondment_reminded_on=today)
        count += 1
    return count


# --- union formation (督促建会) ---------------------------------------------------------------------------------
