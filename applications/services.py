"""Join applications: submission with pre-screening, the dispatch/verify/approve/reject/withdraw steps, result
messages and overdue reminders. Each step is one transaction on a locked row; `application_transition` is shared
with transfer applications."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from applications import proofs
from applications.models import JoinApplication
from casework import selectors as case_selectors
from casework.models import ApplicationState
from casework.services import (
    DUE_WORKING_DAYS,
    application_dispatch,
    application_guard,
    application_lock,
    application_overdue_remind,
    application_transition,
    application_verify,
    open_application_exists,
    transition_record,
)
from formation.services import union_formation_check
from members import selectors as member_selectors
from members import services as member_services
from members.identity import identity_verification_record, identity_verified_by
from members.models import DuesMode, EmploymentType, IdentityMethod, Person, Union, UnionLevel, User
from members.permissions import member_person
from notifications.services import notify
from unionhub.lib import clock, idnumber
from unionhub.lib.errors import BusinessError


@transaction.atomic
def join_application_submit(
    *,
    user: User,
    union: Union | None,
    unit_name: str,
    employment_type: str,
    hire_date: dt.date | None,
    statement: str,
    proof=None,
    wants_card: bool = False,
    declared_retired: bool = False,
    legal_representative: bool = False,
) -> JoinApplication:
    """Pre-screen and store a join application (nothing is stored when a check refuses it)."""
    person = Person.objects.select_for_update().get(pk=member_person(user).pk)
    today = clock.today()
    age = idnumber.age_on(person.id_number, today)
    if age < 18:
        raise BusinessError("underage", gettext("未满18周岁，暂不能申请入会。"))
    if member_selectors.membership_open(person):
        raise BusinessError("already_member", gettext("您已是工会会员，工作单位变动请申请转会。"))
    if open_application_exists(person):
        raise BusinessError(
            "open_application_exists", gettext("您已有一份正在办理的申请，请等待处理结果或先撤销。")
        )
    if employment_type not in EmploymentType.values:
        raise BusinessError("invalid_employment_type", gettext("就业状况不正确。"))
    if employment_type == EmploymentType.DISPATCHED and not proof:
        raise BusinessError("proof_required", gettext("劳务派遣人员须上传加盖用工单位公章的委托入会证明。"))
    if union is not None and not union.accepts_members:
        raise BusinessError("union_not_accepting", gettext("该工会不直接接收会员，请选择基层工会或分工会。"))
    if hire_date and hire_date > today:
        raise BusinessError("invalid_hire_date", gettext("入职日期不能晚于今天。"))
    proof_name = proof_type = ""
    if proof:
        data = proofs.proof_read_upload(proof)
        proof_type = proofs.proof_check(data)
        proof_name = proofs.proof_store(data)
    app = JoinApplication(
        applicant=person,
        union=union,
        unit_name=unit_name.strip(),
        employment_type=employment_type,
        hire_date=hire_date,
        statement=(statement or "").strip() or JoinApplication._meta.get_field("statement").default,
        wants_card=wants_card,
        declared_retired=declared_retired,
        legal_representative=legal_representative,
        over_60=age >= 60,
        proof_file=proof_name,
        proof_content_type=proof_type,
        due_at=case_selectors.due_date(today, DUE_WORKING_DAYS),
    )
    try:
        with transaction.atomic():
            app.save()
    except IntegrityError as exc:  # a concurrent submission by the same person
        proofs.proof_delete(proof_name)
        raise BusinessError("open_application_exists", gettext("您已有一份正在办理的申请。")) from exc
    transition_record(obj=app, transition="submit", source="", actor=user)
    return app


@transaction.atomic
def join_application_dispatch(
    *, application_id: int, actor: User, county: Union, comment: str = ""
) -> JoinApplication:
    return application_dispatch(
        JoinApplication, application_id=application_id, actor=actor, county=county, comment=comment
    )


@transaction.atomic
def join_application_verify(
    *, application_id: int, actor: User, union: Union | None, employer_name: str = "", comment: str = ""
) -> JoinApplication:
    return application_verify(
        JoinApplication,
        application_id=application_id,
        actor=actor,
        union=union,
        employer_name=employer_name,
        comment=comment,
    )


def _contact(union: Union | None) -> str:
    """The closing line of the Yichang templates: the deciding union's contact, else its parent's."""
    name, phone = member_selectors.union_contact(union)
    return f"联系人：{name or '—'}，联系电话：{phone or '—'}"


def deciding_union(app) -> Union | None:
    """The union whose decision the message reports: the deciding staff member's union, else the application's."""
    decider = getattr(app, "decided_by", None)
    if decider is not None and decider.union_id:
        return decider.union
    return app.union or app.county


def _city_name() -> str:
    city = Union.objects.filter(level=UnionLevel.CITY).order_by("pk").first()
    return city.name.removesuffix("总工会") if city else ""


def join_result_message(app: JoinApplication) -> tuple[str, str, str]:
    """(template, subject, body) of the result message, in the words of the Yichang templates."""
    if app.state == ApplicationState.REJECTED:
        union = deciding_union(app)
        body = (
            f"您好！很抱歉！您暂时不符合《中国工会章程》规定的入会条件，不能为您办理入会相关手续，"
            f"感谢您对{_city_name()}工会工作的关心和支持！"
        )
        if app.reason:
            body += f"\n原因：{app.reason}"
        if union:
            body += "\n" + _contact(union)
        return "join_rejected", "入会申请未通过", body
    union = app.union
    if union.is_reservoir:
        county = union.county or union
        body = (
            f"您好！您的入会申请已经通过审核，您已正式成为中华全国总工会会员，享有会员权利，履行会员义务。"
            f"由于您所在的单位尚未建立工会，会籍暂时保留在{union.name}，待您单位成立工会后，"
            f"再在网上提交转会申请，为您办理会员组织关系转接手续。{county.name}竭诚为您提供热情周到的服务！\n"
            + _contact(deciding_union(app))
        )
        return "join_approved_reservoir", "入会申请已通过", body
    body = (
        f"您好！您的入会申请已经通过审核，已为您办理入会相关手续，您正式成为中华全国总工会会员，"
        f"享有会员权利，履行会员义务。{union.name}竭诚为您提供热情周到的服务！\n"
        + _contact(deciding_union(app))
    )
    return "join_approved_union", "入会申请已通过", body


def _notify_result(app: JoinApplication) -> None:
    recipient = User.objects.filter(person=app.applicant_id).first()
    if recipient is None:
        return
    template, subject, body = join_result_message(app)
    notify(
        recipient=recipient, template=template, subject=subject, body=body, dedupe_key=f"join:{app.pk}:result"
    )


@transaction.atomic
def join_application_approve(
    *, application_id: int, actor: User, dues_mode: str, comment: str = "", id_card_checked: bool = False
) -> JoinApplication:
    """Approve: the membership (member number, dues mode, dues start) is created in the same transaction.

    An applicant whose identity was never verified (no phone code, WeChat, SSO or staff check) is approved only
    when the approver confirms having checked the ID card (`id_card_checked`), which records a staff
    verification; else 400 identity_unverified."""
    if dues_mode not in DuesMode.values:
        raise BusinessError("invalid_dues_mode", gettext("缴费方式应为 self_pay、payroll 或 unit_paid。"))
    app = application_lock(JoinApplication, pk=application_id, actor=actor)
    application_guard(app, "approve", actor=actor)
    applicant_user = User.objects.filter(person=app.applicant_id).first()
    verified = bool(identity_verified_by(applicant_user))
    if not verified and not id_card_checked:
        raise BusinessError("identity_unverified")
    application_transition(
        app, "approve", actor=actor, comment=comment or "同意入会", by=actor, at=clock.now()
    )
    if (
        not verified and applicant_user is not None
    ):  # the approver checked the ID card: the identity is proven
        identity_verification_record(
            user=applicant_user, method=IdentityMethod.STAFF, actor=actor, note=f"join #{app.pk}"
        )
    person = app.applicant
    person.unit_name = app.employer_name or app.unit_name
    person.employment_type = app.employment_type
    person.wants_card = app.wants_card
    if app.hire_date:
        person.hire_date = app.hire_date
    person.save(update_fields=["unit_name", "employment_type", "wants_card", "hire_date", "updated_at"])
    app.membership = member_services.membership_create(
        person=person,
        union=app.union,
        dues_mode=dues_mode,
        actor=actor,
        reason=f"入会申请 #{app.pk}",
    )
    app.dues_mode = dues_mode
    app.save(update_fields=["membership", "dues_mode", "updated_at"])
    _notify_result(app)
    if app.union.is_reservoir:
        union_formation_check(reservoir=app.union, employer_name=person.unit_name)
    return app


@transaction.atomic
def join_application_reject(*, application_id: int, actor: User, reason: str) -> JoinApplication:
    reason = (reason or "").strip()
    if not reason:
        raise BusinessError("reason_required", gettext("请填写驳回原因。"))
    app = application_lock(JoinApplication, pk=application_id, actor=actor)
    application_transition(
        app, "reject", actor=actor, comment=reason, by=actor, at=clock.now(), reason=reason
    )
    _notify_result(app)
    return app


@transaction.atomic
def join_application_withdraw(*, application_id: int, user: User, comment: str = "") -> JoinApplication:
    """The applicant withdraws an application that is not decided yet."""
    app = application_lock(JoinApplication, pk=application_id, actor=user, staff=False)
    application_transition(app, "withdraw", actor=user, comment=comment or "申请人撤销", at=clock.now())
    return app


def join_application_overdue_remind(*, today: dt.date) -> int:
    return application_overdue_remind(today=today, model=JoinApplication)
