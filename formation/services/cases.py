"""Union formation (督促建会): a case opens when 25 or more reservoir members share an employer without a union;
the county issues the notice, records the new union, and moves the members there in one step."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from django_fsm import can_proceed

from casework import selectors as case_selectors
from casework.services import person_notify, transition_record, union_staff_notify
from formation.models import UnionFormationCase, UnionFormationState
from formation.services.numbers import document_number_issue
from members import selectors as member_selectors
from members import services as member_services
from members.models import Membership, MembershipStatus, Union, User
from unionhub.lib import clock
from unionhub.lib.errors import BusinessError, InvalidTransition, NotInScope


def _reservoir_members(reservoir: Union, employer_name: str):
    return Membership.objects.filter(
        union=reservoir,
        person__unit_name=employer_name,
        status__in=[MembershipStatus.ACTIVE, MembershipStatus.RETAINED],
    )


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
                reservoir=reservoir,
                employer_name=employer_name,
                defaults={
                    "county": county,
                    "member_count": count,
                    "opened_on": today,
                    "due_at": case_selectors.due_date(today, UnionFormationCase.NOTICE_WORKING_DAYS),
                },
            )
    except IntegrityError:  # another approval opened it a moment ago
        return UnionFormationCase.objects.get(reservoir=reservoir, employer_name=employer_name)
    if not created:
        UnionFormationCase.objects.filter(pk=case.pk).update(member_count=count)
        return case
    transition_record(
        obj=case,
        transition="open",
        source="",
        actor=None,
        comment=f"{employer_name}在{reservoir.name}的会员达到{count}人",
    )
    union_staff_notify(
        county,
        template="union_formation_opened",
        subject="督促建会提醒",
        body=(
            f"{employer_name}已有{count}名职工在{reservoir.name}入会，请启动督促建会流程，"
            f"于{case.due_at:%Y-%m-%d}前下发《工会组建通知书》。"
        ),
        dedupe_key=f"formation:{case.pk}:opened",
    )
    return case


def _locked_case(case_id: int, actor: User) -> UnionFormationCase:
    case = (
        UnionFormationCase.objects.select_for_update(of=("self",))
        .select_related("county", "reservoir")
        .filter(pk=case_id)
        .first()
    )
    if case is None or not (
        member_selectors.union_in_scope(actor, case.county)
        or member_selectors.union_in_scope(actor, case.reservoir)
    ):
        raise NotInScope()
    if not member_selectors.union_in_scope(actor, case.county):
        raise InvalidTransition(
            case.state, "formation_step"
        )  # reservoir staff follow the case, the county acts
    return case


def _case_step(case: UnionFormationCase, name: str, actor: User, comment: str, **kwargs) -> None:
    method = getattr(case, name)
    if not can_proceed(method):
        raise InvalidTransition(case.state, name)
    source = case.state
    method(**kwargs)
    case.updated_by = actor
    case.save()
    transition_record(obj=case, transition=name, source=source, actor=actor, comment=comment)


@transaction.atomic
def union_formation_issue_notice(*, case_id: int, actor: User, comment: str = "") -> UnionFormationCase:
    case = _locked_case(case_id, actor)
    if not can_proceed(case.issue_notice):
        raise InvalidTransition(case.state, "issue_notice")
    number = document_number_issue(union=case.county)
    _case_step(
        case,
        "issue_notice",
        actor,
        comment or f"已下发《工会组建通知书》（{number}）",
        on=clock.today(),
        number=number,
    )
    return case


@transaction.atomic
def union_formation_establish(
    *, case_id: int, actor: User, union: Union, comment: str = ""
) -> UnionFormationCase:
    case = _locked_case(case_id, actor)
    if union.is_reservoir or not union.accepts_members or not union.path.startswith(case.county.path):
        raise BusinessError("invalid_union", gettext("请选择本县区内该单位新成立的工会。"))
    today = clock.today()
    _case_step(
        case,
        "establish",
        actor,
        comment or f"已成立{union.name}",
        union=union,
        on=today,
        transfer_due_at=case_selectors.due_date(today, UnionFormationCase.TRANSFER_WORKING_DAYS),
    )
    return case


@transaction.atomic
def union_formation_transfer_members(*, case_id: int, actor: User, comment: str = "") -> UnionFormationCase:
    """After establishment: every reservoir member of that employer moves to the new union in one step, each with
    a transfer event in their history (set-based: one update, one bulk insert)."""
    case = _locked_case(case_id, actor)
    if not can_proceed(case.transfer_members):
        raise InvalidTransition(case.state, "transfer_members")
    moved = member_services.memberships_move_many(
        membership_ids=list(
            _reservoir_members(case.reservoir, case.employer_name).values_list("pk", flat=True)
        ),
        from_union=case.reservoir,
        to_union=case.new_union,
        actor=actor,
        reason="单位建会，会籍转接",
        detail={"union_formation_case_id": case.pk},
    )
    _case_step(
        case,
        "transfer_members",
        actor,
        comment or f"{len(moved)}名会员转入{case.new_union.name}",
        count=len(moved),
    )
    for person_id in Membership.objects.filter(pk__in=moved).values_list("person_id", flat=True):
        person_notify(
            person_id,
            template="union_formation_transferred",
            subject="会员组织关系已转入本单位工会",
            body=(
                f"您好！您所在的单位已成立{case.new_union.name}，您的会员组织关系已由{case.reservoir.name}"
                f"转入本单位工会，会员编号和缴费记录保持不变。"
            ),
            dedupe_key=f"formation:{case.pk}:moved:{person_id}",
        )
    return case


def union_formation_transfer_remind(*, today) -> int:
    """Cases established but whose members were not moved within 3 working days: the county is told, once."""
    late = UnionFormationCase.objects.filter(
        state=UnionFormationState.ESTABLISHED, transfer_due_at__lt=today
    ).select_related("county", "new_union")
    for case in late:
        union_staff_notify(
            case.county,
            template="union_formation_transfer_overdue",
            subject="建会会籍转接已超期",
            body=(
                f"{case.employer_name}已成立{case.new_union.name}，原在{case.reservoir.name}的会员应于"
                f"{case.transfer_due_at:%Y-%m-%d}前整体转入，请尽快办理。"
            ),
            dedupe_key=f"formation:{case.pk}:transfer-overdue",
        )
    return len(late)
