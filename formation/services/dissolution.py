"""撤销: the request, the parent's approval, and every membership moved in one set-based step with history."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from django_fsm import can_proceed, has_transition_perm

from casework import selectors as case_selectors
from casework.services import person_notify, transition_record, union_staff_notify
from formation.models import Dissolution, DissolutionReason
from formation.services.numbers import document_number_issue
from members import selectors as member_selectors
from members import services as member_services
from members.models import CommitteeMember, Membership, MembershipStatus, Union, User
from unionhub.lib import clock
from unionhub.lib.errors import BusinessError, InvalidTransition, NotInScope

DECISION_WORKING_DAYS = 15


@transaction.atomic
def dissolution_request(*, union: Union, actor: User, reason: str, note: str = "") -> Dissolution:
    """The union itself or its parent asks; the parent decides."""
    if not member_selectors.union_in_scope(actor, union):
        raise NotInScope()
    if (
        union.parent_id is None
        or union.is_dissolved
        or union.is_reservoir
        or union.level not in ("grassroots", "branch")
    ):
        raise BusinessError("invalid_union", gettext("只能撤销基层工会或分工会。"))
    if reason not in DissolutionReason.values:
        raise BusinessError("invalid_dissolution_reason", gettext("撤销原因不正确。"))
    dissolution = Dissolution(
        union=union,
        reason=reason,
        note=(note or "").strip()[:500],
        by_parent=actor.is_superuser or actor.union_id != union.pk,
        due_at=case_selectors.due_date(clock.today(), DECISION_WORKING_DAYS),
        requested_by=actor,
    )
    try:
        with transaction.atomic():
            dissolution.save()
    except IntegrityError as exc:
        raise BusinessError("dissolution_exists", gettext("该工会已有待审批的撤销申请。")) from exc
    transition_record(
        obj=dissolution,
        transition="request",
        source="",
        actor=actor,
        comment=dissolution.get_reason_display(),
    )
    union_staff_notify(
        union.parent,
        template="dissolution_requested",
        subject="撤销工会待审批",
        body=f"{union.name}撤销申请（{dissolution.get_reason_display()}）待审批，期限{dissolution.due_at:%Y-%m-%d}。",
        dedupe_key=f"dissolution:{dissolution.pk}:requested",
    )
    return dissolution


def _locked(dissolution_id: int, actor: User, name: str) -> Dissolution:
    dissolution = (
        Dissolution.objects.select_for_update(of=("self",))
        .select_related("union__parent")
        .filter(pk=dissolution_id)
        .first()
    )
    if dissolution is None or not member_selectors.union_in_scope(actor, dissolution.union):
        raise NotInScope()
    method = getattr(dissolution, name)
    if not can_proceed(method) or not has_transition_perm(method, actor):
        raise InvalidTransition(dissolution.state, name)
    return dissolution


@transaction.atomic
def dissolution_approve(
    *, dissolution_id: int, actor: User, target: Union | None = None, comment: str = ""
) -> Dissolution:
    """Every active or retained membership moves to `target` (the county's reservoir union when none is chosen)
    in one update with one transfer event each; the union is kept, marked dissolved, no longer takes members."""
    dissolution = _locked(dissolution_id, actor, "approve")
    union = Union.objects.select_for_update().get(pk=dissolution.union_id)
    if Union.objects.filter(parent=union, dissolved_on__isnull=True).exists():
        raise BusinessError("has_children", gettext("该工会下还有未撤销的分工会，请先撤销。"))
    waiting = case_selectors.open_applications_naming(union)
    if waiting:
        raise BusinessError(
            "has_open_applications",
            gettext("该工会还有未办结的申请（%(cases)s），请先办结。")
            % {"cases": "、".join(f"{kind} {n} 件" for kind, n in waiting.items())},
        )
    target = target or member_selectors.reservoir_for(union)
    if (
        target is None
        or not target.accepts_members
        or target.is_dissolved
        or target.path.startswith(union.path)
        or not member_selectors.union_in_scope(actor, target)
    ):
        raise BusinessError(
            "invalid_target", gettext("请选择接收会员的工会（默认转入县区职工服务中心工会）。")
        )
    number = document_number_issue(union=union.parent)
    moved = member_services.memberships_move_many(
        membership_ids=list(
            Membership.objects.filter(
                union=union, status__in=[MembershipStatus.ACTIVE, MembershipStatus.RETAINED]
            ).values_list("pk", flat=True)
        ),
        from_union=union,
        to_union=target,
        actor=actor,
        reason=f"工会撤销（{dissolution.get_reason_display()}），会籍转接",
        detail={"dissolution_id": dissolution.pk, "approval_no": number},
    )
    today = clock.today()
    Union.objects.filter(pk=union.pk).update(dissolved_on=today, accepts_members=False)
    CommitteeMember.objects.filter(union=union, term_end__isnull=True).update(term_end=today)
    source = dissolution.state
    dissolution.approve(
        by=actor, at=clock.now(), target=target, number=number, moved_count=len(moved), decision=comment
    )
    dissolution.save()
    transition_record(
        obj=dissolution,
        transition="approve",
        source=source,
        actor=actor,
        comment=comment or f"同意撤销（{number}），{len(moved)}名会员转入{target.name}",
    )
    for person_id in Membership.objects.filter(pk__in=moved).values_list("person_id", flat=True):
        person_notify(
            person_id,
            template="dissolution_moved",
            subject="会员组织关系已转接",
            body=(
                f"您好！{union.name}已撤销，您的会员组织关系已转入{target.name}，会员编号和缴费记录保持不变。"
            ),
            dedupe_key=f"dissolution:{dissolution.pk}:moved:{person_id}",
        )
    return dissolution


@transaction.atomic
def dissolution_reject(*, dissolution_id: int, actor: User, reason: str) -> Dissolution:
    reason = (reason or "").strip()
    if not reason:
        raise BusinessError("reason_required", gettext("请填写驳回原因。"))
    dissolution = _locked(dissolution_id, actor, "reject")
    source = dissolution.state
    dissolution.reject(by=actor, at=clock.now(), decision=reason)
    dissolution.save()
    transition_record(obj=dissolution, transition="reject", source=source, actor=actor, comment=reason)
    return dissolution
