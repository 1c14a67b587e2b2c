"""换届: a union's renewal record (election form, date, the new committees), approved by its parent; the approval
starts the next term (届数 + 1). Committees stay per term, so who served when is never overwritten."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from formation.models.decided import ParentDecided, parent_decides
from unionhub.lib import clock


class TermRenewalState(models.TextChoices):
    SUBMITTED = "submitted", _("待上级审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


def may_request_for_union(instance, user) -> bool:
    """The union's own staff (or staff above it)."""
    if user.is_superuser:
        return True
    union = getattr(user, "union", None) if getattr(user, "is_union_staff", False) else None
    return bool(union is not None and instance.union.path.startswith(union.path))


class TermRenewal(ParentDecided):
    union = models.ForeignKey(
        "members.Union", on_delete=models.PROTECT, related_name="term_renewals", verbose_name=_("工会")
    )
    session_no = models.PositiveSmallIntegerField(_("新一届届数"))
    election_form = models.CharField(_("选举形式"), max_length=12)
    elected_on = models.DateField(_("选举日期"))
    committees = models.JSONField(_("新一届委员会"), default=dict)
    state = FSMField(
        _("状态"),
        max_length=12,
        choices=TermRenewalState.choices,
        default=TermRenewalState.SUBMITTED,
        protected=True,
    )
    due_at = models.DateField(_("审批期限"))
    approval_no = models.CharField(_("批复文号"), max_length=60, blank=True)
    reason = models.CharField(_("驳回原因"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("申报人"),
    )
    created_at = models.DateTimeField(_("申报时间"), default=clock.now, editable=False)

    class Meta(ParentDecided.Meta):
        verbose_name = _("换届")
        verbose_name_plural = _("换届")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["union"], condition=Q(state="submitted"), name="one_open_renewal_per_union"
            ),
        ]

    def __str__(self):
        return f"{self.union} 第{self.session_no}届（{self.get_state_display()}）"

    @transition(
        field=state,
        source=TermRenewalState.SUBMITTED,
        target=TermRenewalState.APPROVED,
        permission=parent_decides,
    )
    def approve(self, *, by, at, number: str):
        self.decided_by, self.decided_at, self.approval_no = by, at, number

    @transition(
        field=state,
        source=TermRenewalState.SUBMITTED,
        target=TermRenewalState.REJECTED,
        permission=parent_decides,
    )
    def reject(self, *, by, at, reason: str):
        self.decided_by, self.decided_at, self.reason = by, at, reason
