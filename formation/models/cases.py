"""Union-formation cases (督促建会): 25 or more reservoir members of one employer that has no union yet."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from unionhub.lib import clock


class UnionFormationState(models.TextChoices):
    OPEN = "open", _("待督促建会")
    NOTICE_ISSUED = "notice_issued", _("已下发组建通知书")
    ESTABLISHED = "established", _("已建会")
    TRANSFERRED = "transferred", _("会籍已转接")


class UnionFormationCase(models.Model):
    """督促建会: 25 or more reservoir members of one employer. One case per reservoir and employer (the database
    holds this, so two approvals racing past the threshold still open one case)."""

    THRESHOLD = 25
    NOTICE_WORKING_DAYS = 30
    TRANSFER_WORKING_DAYS = 3

    employer_name = models.CharField(_("单位名称"), max_length=200)
    reservoir = models.ForeignKey(
        "members.Union",
        on_delete=models.PROTECT,
        related_name="formation_cases",
        verbose_name=_("职工服务中心工会"),
    )
    county = models.ForeignKey(
        "members.Union", on_delete=models.PROTECT, related_name="+", verbose_name=_("负责的县区总工会")
    )
    state = FSMField(
        _("状态"),
        max_length=16,
        choices=UnionFormationState.choices,
        default=UnionFormationState.OPEN,
        protected=True,
    )
    member_count = models.PositiveIntegerField(_("会员人数"), default=0)
    opened_on = models.DateField(_("启动日期"))
    due_at = models.DateField(_("通知书下发期限"))
    notice_issued_on = models.DateField(_("通知书下发日期"), null=True, blank=True)
    notice_no = models.CharField(_("通知书文号"), max_length=60, blank=True)
    new_union = models.ForeignKey(
        "members.Union",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("新建工会"),
    )
    established_on = models.DateField(_("建会日期"), null=True, blank=True)
    transfer_due_at = models.DateField(_("会籍转接期限"), null=True, blank=True)
    transferred_count = models.PositiveIntegerField(_("转接人数"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("经办人"),
    )
    created_at = models.DateTimeField(_("立案时间"), default=clock.now, editable=False)

    scope_union_fields = ("reservoir", "county")

    class Meta:
        db_table = "transfers_unionformationcase"  # kept from the transfers app it started in
        verbose_name = _("督促建会")
        verbose_name_plural = _("督促建会")
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["reservoir", "employer_name"], name="one_formation_case_per_employer"
            ),
        ]

    def __str__(self):
        return f"{self.employer_name}（{self.get_state_display()}）"

    @transition(field=state, source=UnionFormationState.OPEN, target=UnionFormationState.NOTICE_ISSUED)
    def issue_notice(self, *, on, number: str = ""):
        self.notice_issued_on, self.notice_no = on, number

    @transition(
        field=state,
        source=[UnionFormationState.OPEN, UnionFormationState.NOTICE_ISSUED],
        target=UnionFormationState.ESTABLISHED,
    )
    def establish(self, *, union, on, transfer_due_at=None):
        self.new_union, self.established_on, self.transfer_due_at = union, on, transfer_due_at

    @transition(field=state, source=UnionFormationState.ESTABLISHED, target=UnionFormationState.TRANSFERRED)
    def transfer_members(self, *, count: int):
        self.transferred_count = count
