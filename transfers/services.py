"""Transfers between unions and moves out to the reservoir union."""

from django.db import transaction

from members import selectors as member_selectors
from members import services as member_services
from members.models import Membership, MembershipEvent, User
from unionhub.errors import BusinessError, NotInScope


@transaction.atomic
def membership_move_out(*, membership_id: int, actor: User, reason: str) -> Membership:
    """迁出: a member who left without applying goes to the county's reservoir union; the member is told."""
    membership = Membership.objects.select_for_update().select_related("union").filter(pk=membership_id).first()
    if membership is None or not member_selectors.union_in_scope(actor, membership.union):
        raise NotInScope()
    reservoir = member_selectors.reservoir_for(membership.union)
    if reservoir is None:
        raise BusinessError("no_reservoir", "所属县区总工会没有职工服务中心工会。")
    if reservoir.pk == membership.union_id:
        raise BusinessError("already_in_reservoir", "该会员已在职工服务中心工会。")
    return member_services.membership_move(membership_id=membership.pk, to_union=reservoir, actor=actor,
                                           kind=MembershipEvent.Kind.MOVE_OUT, reason=reason or "迁出")
