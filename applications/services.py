"""Join applications: submission with pre-screening, the dispatch/verify/approve/reject/withdraw steps, result
messages and overdue reminders. Each step is one transaction on a locked row; `application_transition` is shared
with transfer applications."""

import datetime as dt

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from django_fsm import can_proceed, has_transition_perm

from applications import proofs, selectors
from applications.models import ApplicationBase, ApplicationState, JoinApplication, TransitionRecord
from members import selectors as member_selectors
from members import services as member_services
from members.models import DuesMode, EmploymentType, Person, Union, UnionLevel, User
from unionhub import clock, idnumber
from unionhub.errors import BusinessError, InvalidTransition, NotInScope
from unionhub.notify import notify

DUE_WORKING_DAYS = 3


def transition_record(*, obj, transition: str, source: str, actor: User | None, comment: str = "") -> TransitionRecord:
    return TransitionRecord.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk, transition=transition,
        source=source, target=obj.state, actor=actor if actor is not None and actor.is_authenticated else None,
        comment=comment[:500], at=clock.now(),
    )


def application_lock(model, *, pk, actor: User, staff: bool = True):
    """The application row, locked, if the actor may see it (staff scope, or the applicant's own); else 404."""
    qs = model.objects.select_for_update(of=("self",)).select_related("union", "county", "applicant")
    if staff:
        qs = qs.filter(selectors.application_scope_q(actor, model.scope_union_fields))
    else:
        qs = qs.filter(applicant_id=actor.person_id) if actor.person_id else qs.none()
    app = qs.filter(pk=pk).first()
    if app is None:
        raise NotInScope()
    return app


def application_guard(app, name: str, *, actor: User) -> None:
    """409 unless the transition is allowed from the current state and for this actor's role."""
    method = getattr(app, name)
    if not can_proceed(method) or not has_transition_perm(method, actor):
        raise InvalidTransition(app.state, name)


def application_transition(app, name: str, *, actor: User, comment: str = "", **kwargs) -> None:
    """Run one transition after the state and role guards, save the row and record the step."""
    application_guard(app, name, actor=actor)
    source = app.state
    getattr(app, name)(**kwargs)
    app.save()
    transition_record(obj=app, transition=name, source=source, actor=actor, comment=comment)


def open_application_exists(person: Person) -> bool:
    """Any undecided application of any kind (join or transfer): one at a time per person."""
    models = [m for m in apps.get_models() if issubclass(m, ApplicationBase)]
    return any(m.objects.filter(applicant=person, state__in=selectors.OPEN_STATES).exists() for m in models)


@transaction.atomic
def join_application_submit(*, user: User, union: Union | None, unit_name: str, employment_type: str,
                            hire_date: dt.date | None, statement: str, proof=None, wants_card: bool = False,
                            declared_retired: bool = False, legal_representative: bool = False) -> JoinApplication:
    """Pre-screen and store a join application (nothing is stored when a check refuses it)."""
    person = user.person
    if person is None:
        raise BusinessError("not_a_member_account", gettext("该账号不是会员账号。"))
    person = Person.objects.select_for_update().get(pk=person.pk)
    today = clock.today()
    age = idnumber.age_on(person.id_number, today)
    if age < 18:
        raise BusinessError("underage", gettext("未满18周岁，暂不能申请入会。"))
    if member_selectors.membership_open(person):
        raise BusinessError("already_member", gettext("您已是工会会员，工作单位变动请申请转会。"))
    if open_application_exists(person):
        raise BusinessError("open_application_exists", gettext("您已有一份正在办理的申请，请等待处理结果或先撤销。"))
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
        applicant=person, union=union, unit_name=unit_name.strip(), employment_type=employment_type,
        hire_date=hire_date, statement=(statement or "").strip() or JoinApplication._meta.get_field(
            "statement").default, wants_card=wants_card, declared_retired=declared_retired,
        legal_representative=legal_representative, over_60=age >= 60, proof_file=proof_name,
        proof_content_type=proof_type, due_at=selectors.due_date(today, DUE_WORKING_DAYS),
    )
    try:
        with transaction.atomic():
            app.save()
    except IntegrityError as exc:  # a concurrent submission by the same person
        proofs.proof_delete(proof_name)
        raise BusinessError("open_application_exists", gettext("您已有一份正在办理的申请。")) from exc
    transition_record(obj=app, transition="submit", source="", actor=user)
    return app


def application_dispatch(model, *, application_id: int, actor: User, county: Union, comment: str = ""):
    """City admin: hand an application that names no union to a county (or the city's direct-unit committee);
    the county's staff are told."""
    app = application_lock(model, pk=application_id, actor=actor)
    application_guard(app, "dispatch", actor=actor)
    if county.level != UnionLevel.COUNTY or not member_selectors.union_in_scope(actor, county):
        raise BusinessError("invalid_county", gettext("请选择本市的县区总工会。"))
    application_transition(app, "dispatch", actor=actor, comment=comment or f"分派至{county.name}", county=county)
    for staff in User.objects.filter(union=county, is_active=True, is_staff=True):
        notify(recipient=staff, template=f"{model.kind_key}_dispatched", subject=f"{model.kind_label}待校核",
               body=(f"市总工会已将{app.applicant.name}的{model.kind_label}（单位：{app.unit_name}）分派到"
                     f"{county.name}，请在{app.due_at:%Y-%m-%d}前完成校核。"),
               dedupe_key=f"{model.kind_key}:{app.pk}:dispatch:{county.pk}:{staff.pk}",
               channels=("inbox", "sms", "email"))
    return app


def application_verify(model, *, application_id: int, actor: User, union: Union | None, employer_name: str = "",
                       comment: str = ""):
    """County admin: confirm the employer and the union that will decide (the county reservoir when the employer
    has no union)."""
    app = application_lock(model, pk=application_id, actor=actor)
    application_guard(app, "verify", actor=actor)
    if union is None and app.county_id:
        union = member_selectors.reservoir_for(app.county)
    if (union is None or not union.accepts_members or app.county_id is None
            or not union.path.startswith(app.county.path)):
        raise BusinessError("invalid_union", gettext("请选择本县区内接收会员的工会（单位未建会时选择职工服务中心工会）。"))
    if union.pk == getattr(app, "from_union_id", None):
        raise BusinessError("same_union", gettext("转入工会与原所在工会相同。"))
    employer_name = (employer_name or "").strip() or app.unit_name
    application_transition(app, "verify", actor=actor, comment=comment or f"校核：{employer_name} → {union.name}",
                           union=union, employer_name=employer_name)
    return app


@transaction.atomic
def join_application_dispatch(*, application_id: int, actor: User, county: Union,
                              comment: str = "") -> JoinApplication:
    return application_dispatch(JoinApplication, application_id=application_id, actor=actor, county=county,
                                comment=comment)


@transaction.atomic
def join_application_verify(*, application_id: int, actor: User, union: Union | None, employer_name: str = "",
                            comment: str = "") -> JoinApplication:
    return application_verify(JoinApplication, application_id=application_id, actor=actor, union=union,
                              employer_name=employer_name, comment=comment)


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
        body = (f"您好！很抱歉！您暂时不符合《中国工会章程》规定的入会条件，不能为您办理入会相关手续，"
                f"感谢您对{_city_name()}工会工作的关心和支持！")
        if app.reason:
            body += f"\n原因：{app.reason}"
        if union:
            body += "\n" + _contact(union)
        return "join_rejected", "入会申请未通过", body
    union = app.union
    if union.is_reservoir:
        county = union.county or union
        body = (f"您好！您的入会申请已经通过审核，您已正式成为中华全国总工会会员，享有会员权利，履行会员义务。"
                f"由于您所在的单位尚未建立工会，会籍暂时保留在{union.name}，待您单位成立工会后，"
                f"再在网上提交转会申请，为您办理会员组织关系转接手续。{county.name}竭诚为您提供热情周到的服务！\n"
                + _contact(deciding_union(app)))
        return "join_approved_reservoir", "入会申请已通过", body
    body = (f"您好！您的入会申请已经通过审核，已为您办理入会相关手续，您正式成为中华全国总工会会员，"
            f"享有会员权利，履行会员义务。{union.name}竭诚为您提供热情周到的服务！\n" + _contact(deciding_union(app)))
    return "join_approved_union", "入会申请已通过", body


def _notify_result(app: JoinApplication) -> None:
    recipient = User.objects.filter(person=app.applicant_id).first()
    if recipient is None:
        return
    template, subject, body = join_result_message(app)
    notify(recipient=recipient, template=template, subject=subject, body=body, dedupe_key=f"join:{app.pk}:result")


@transaction.atomic
def join_application_approve(*, application_id: int, actor: User, dues_mode: str,
                             comment: str = "") -> JoinApplication:
    """Approve: the membership (member number, dues mode, dues start) is created in the same transaction."""
    if dues_mode not in DuesMode.values:
        raise BusinessError("invalid_dues_mode", gettext("缴费方式应为 self_pay、payroll 或 unit_paid。"))
    app = application_lock(JoinApplication, pk=application_id, actor=actor)
    application_transition(app, "approve", actor=actor, comment=comment or "同意入会", by=actor, at=clock.now())
    person = app.applicant
    person.unit_name = app.employer_name or app.unit_name
    person.employment_type = app.employment_type
    person.wants_card = app.wants_card
    if app.hire_date:
        person.hire_date = app.hire_date
    person.save(update_fields=["unit_name", "employment_type", "wants_card", "hire_date", "updated_at"])
    app.membership = member_services.membership_create(
        person=person, union=app.union, dues_mode=dues_mode, actor=actor, reason=f"入会申请 #{app.pk}",
    )
    app.dues_mode = dues_mode
    app.save(update_fields=["membership", "dues_mode", "updated_at"])
    _notify_result(app)
    if app.union.is_reservoir:
        from transfers.services import union_formation_check  # transfers builds on applications

        union_formation_check(reservoir=app.union, employer_name=person.unit_name)
    return app


@transaction.atomic
def join_application_reject(*, application_id: int, actor: User, reason: str) -> JoinApplication:
    reason = (reason or "").strip()
    if not reason:
        raise BusinessError("reason_required", gettext("请填写驳回原因。"))
    app = application_lock(JoinApplication, pk=application_id, actor=actor)
    application_transition(app, "reject", actor=actor, comment=reason, by=actor, at=clock.now(), reason=reason)
    _notify_result(app)
    return app


@transaction.atomic
def join_application_withdraw(*, application_id: int, user: User, comment: str = "") -> JoinApplication:
    """The applicant withdraws an application that is not decided yet."""
    app = application_lock(JoinApplication, pk=application_id, actor=user, staff=False)
    application_transition(app, "withdraw", actor=user, comment=comment or "申请人撤销", at=clock.now())
    return app


def application_overdue_remind(*, today: dt.date, model=JoinApplication) -> int:
    """Remind the staff holding each overdue application; at most one message per application, person and day."""
    sent = 0
    overdue = model.objects.filter(selectors.overdue_q(today)).select_related("applicant", "union", "county")
    for app in overdue:
        for staff in selectors.responsible_staff(app):
            sent += len(notify(
                recipient=staff, template=f"{model.kind_key}_overdue", subject=f"{model.kind_label}已超期",
                body=(f"{app.applicant.name}的{model.kind_label}（{app.get_state_display()}）应于"
                      f"{app.due_at:%Y-%m-%d}前办结，现已超期，请尽快处理。"),
                dedupe_key=f"{model.kind_key}:{app.pk}:overdue:{today.isoformat()}:{staff.pk}",
                channels=("inbox", "email"),
            ))
    return sent
