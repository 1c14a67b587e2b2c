"""The steps join and transfer applications share. Each step runs on a locked row inside the caller's
transaction: `application_lock`, then `application_transition` (state and role guards, save, trace)."""

import datetime as dt

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext
from django_fsm import can_proceed, has_transition_perm

from casework import selectors
from casework.models import OPEN_STATES, ApplicationBase, TransitionRecord
from members import selectors as member_selectors
from members.models import Person, Union, UnionLevel, User
from notifications.services import notify
from unionhub.lib import clock
from unionhub.lib.errors import BusinessError, InvalidTransition, NotInScope

DUE_WORKING_DAYS = 3


def transition_record(
    *, obj, transition: str, source: str, actor: User | None, comment: str = ""
) -> TransitionRecord:
    return TransitionRecord.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        transition=transition,
        source=source,
        target=obj.state,
        actor=actor if actor is not None and actor.is_authenticated else None,
        comment=comment[:500],
        at=clock.now(),
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
    return any(m.objects.filter(applicant=person, state__in=OPEN_STATES).exists() for m in models)


def application_dispatch(model, *, application_id: int, actor: User, county: Union, comment: str = ""):
    """City admin: hand an application that names no union to a county (or the city's direct-unit committee);
    the county's staff are told."""
    app = application_lock(model, pk=application_id, actor=actor)
    application_guard(app, "dispatch", actor=actor)
    if county.level != UnionLevel.COUNTY or not member_selectors.union_in_scope(actor, county):
        raise BusinessError("invalid_county", gettext("请选择本市的县区总工会。"))
    application_transition(
        app, "dispatch", actor=actor, comment=comment or f"分派至{county.name}", county=county
    )
    for staff in User.objects.filter(union=county, is_active=True, is_staff=True):
        notify(
            recipient=staff,
            template=f"{model.kind_key}_dispatched",
            subject=f"{model.kind_label}待校核",
            body=(
                f"市总工会已将{app.applicant.name}的{model.kind_label}（单位：{app.unit_name}）分派到"
                f"{county.name}，请在{app.due_at:%Y-%m-%d}前完成校核。"
            ),
            dedupe_key=f"{model.kind_key}:{app.pk}:dispatch:{county.pk}:{staff.pk}",
            channels=("inbox", "sms", "email"),
        )
    return app


def application_verify(
    model,
    *,
    application_id: int,
    actor: User,
    union: Union | None,
    employer_name: str = "",
    comment: str = "",
):
    """County admin: confirm the employer and the union that will decide (the county reservoir when the employer
    has no union)."""
    app = application_lock(model, pk=application_id, actor=actor)
    application_guard(app, "verify", actor=actor)
    if union is None and app.county_id:
        union = member_selectors.reservoir_for(app.county)
    if (
        union is None
        or not union.accepts_members
        or app.county_id is None
        or not union.path.startswith(app.county.path)
    ):
        raise BusinessError(
            "invalid_union", gettext("请选择本县区内接收会员的工会（单位未建会时选择职工服务中心工会）。")
        )
    if union.pk == getattr(app, "from_union_id", None):
        raise BusinessError("same_union", gettext("转入工会与原所在工会相同。"))
    employer_name = (employer_name or "").strip() or app.unit_name
    application_transition(
        app,
        "verify",
        actor=actor,
        comment=comment or f"校核：{employer_name} → {union.name}",
        union=union,
        employer_name=employer_name,
    )
    return app


def application_overdue_remind(*, today: dt.date, model) -> int:
    """Remind the staff holding each overdue application; at most one message per application, person and day."""
    sent = 0
    overdue = model.objects.filter(selectors.overdue_q(today)).select_related("applicant", "union", "county")
    for app in overdue:
        for staff in selectors.responsible_staff(app):
            sent += len(
                notify(
                    recipient=staff,
                    template=f"{model.kind_key}_overdue",
                    subject=f"{model.kind_label}已超期",
                    body=(
                        f"{app.applicant.name}的{model.kind_label}（{app.get_state_display()}）应于"
                        f"{app.due_at:%Y-%m-%d}前办结，现已超期，请尽快处理。"
                    ),
                    dedupe_key=f"{model.kind_key}:{app.pk}:overdue:{today.isoformat()}:{staff.pk}",
                    channels=("inbox", "email"),
                )
            )
    return sent


def person_notify(person_id: int, *, template: str, subject: str, body: str, dedupe_key: str) -> None:
    """Tell a person through their account (in-site and SMS), if they have one."""
    recipient = User.objects.filter(person=person_id).first()
    if recipient is not None:
        notify(recipient=recipient, template=template, subject=subject, body=body, dedupe_key=dedupe_key)


def union_staff_notify(union: Union, *, template: str, subject: str, body: str, dedupe_key: str) -> None:
    """Tell every active staff account of a union (in-site and e-mail), one message each."""
    for staff in User.objects.filter(union=union, is_active=True, is_staff=True):
        notify(
            recipient=staff,
            template=template,
            subject=subject,
            body=body,
            dedupe_key=f"{dedupe_key}:{staff.pk}",
            channels=("inbox", "email"),
        )
