"""撤销: requested by the union or its parent (the employer closed or went bankrupt, seed 001 art. 19), approved by
the parent; every membership moves in one set-based step; the union is kept, marked dissolved."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from formation.models.decided import ParentDecided, parent_decides
from unionhub.lib import clock


class DissolutionState(models.TextChoices):
    REQUESTED = "requested", _("待上级审批")
    APPROVED = "approved", _("已撤销")
    REJECTED = "rejected", _("已驳回")


class DissolutionReason(models.TextChoices):
    CLOSED = "closed", _("单位关闭")
    BANKRUPT = "bankrupt", _("单位破产")
    MERGED = "merged", _("单位合并或分立")
    OTHER = "other", _("其他")


class Dissolution(ParentDecided):
    union = models.ForeignKey(
        "members.Union", on_delete=models.PROTECT, related_name="dissolutions", verbose_name=_("撤销的工会")
    )
    reason = models.CharField(_("撤销原因"), max_length=12, choices=DissolutionReason.choices)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    by_parent = models.BooleanField(_("由上级工会提出"), default=False)
    state = FSMField(
        _("状态"),
        max_length=12,
        choices=DissolutionState.choices,
        default=DissolutionState.REQUESTED,
        protected=True,
    )
    due_at = models.DateField(_("审批期限"))
    target = models.ForeignKey(
        "members.Union",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("会员转入的工会"),
    )
    moved_count = models.PositiveIntegerField(_("转出会员人数"), default=0)
    approval_no = models.CharField(_("批复文号"), max_length=60, blank=True)
    decision = models.CharField(_("审批意见"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("申请人"),
    )
    created_at = models.DateTimeField(_("申请时间"), default=clock.now, editable=False)

    class Meta(ParentDecided.Meta):
        verbose_name = _("撤销工会")
        verbose_name_plural = _("撤销工会")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["union"], condition=Q(state="requested"), name="one_open_dissolution_per_union"
            ),
        ]

    def __str__(self):
        return f"{self.union}（{self.get_state_display()}）"

    @transition(
        field=state,
        source=DissolutionState.REQUESTED,
        target=DissolutionState.APPROVED,
        permission=parent_decides,
    )
    def approve(self, *, by, at, target, number: str, moved_count: int, decision: str):
        self.decided_by, self.decided_at, self.target = by, at, target
        self.approval_no, self.moved_count, self.decision = number, moved_count, decision

    @transition(
        field=state,
        source=DissolutionState.REQUESTED,
        target=DissolutionState.REJECTED,
        permission=parent_decides,
    )
    def reject(self, *, by, at, decision: str):
        self.decided_by, self.decided_at, self.decision = by, at, decision
