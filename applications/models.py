"""Join applications (入会申请) on the shared application workflow (casework)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.models import OPEN_STATES, ApplicationBase
from members.models import DuesMode, EmploymentType

STATEMENT = (
    "我自愿加入中华全国总工会，遵守工会章程，执行工会决议，积极参加工会活动，"
    "为把我国建设成为富强、民主、文明的社会主义国家而努力奋斗。"
)


class JoinApplication(ApplicationBase):
    kind_key = "join"
    kind_label = "入会申请"

    employment_type = models.CharField(_("就业状况"), max_length=12, choices=EmploymentType.choices)
    hire_date = models.DateField(_("入职日期"), null=True, blank=True)
    statement = models.TextField(_("入会申请"), default=STATEMENT)
    wants_card = models.BooleanField(_("申领会员卡"), default=False)
    declared_retired = models.BooleanField(_("本人已退休"), default=False)
    legal_representative = models.BooleanField(_("本人是单位法定代表人或合伙人"), default=False)
    over_60 = models.BooleanField(_("年满60周岁"), default=False, editable=False)
    proof_file = models.CharField(_("委托入会证明"), max_length=100, blank=True, editable=False)
    proof_content_type = models.CharField(max_length=40, blank=True, editable=False)
    dues_mode = models.CharField(_("缴费方式"), max_length=10, choices=DuesMode.choices, blank=True)
    membership = models.OneToOneField(
        "members.Membership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="join_application",
        verbose_name=_("会籍"),
    )

    class Meta(ApplicationBase.Meta):
        verbose_name = _("入会申请")
        verbose_name_plural = _("入会申请")
        indexes = [
            models.Index(fields=["state", "due_at"], name="joinapp_state_due_idx"),
            models.Index(fields=["-created_at", "-id"], name="joinapp_created_idx"),
            models.Index(fields=["state", "-created_at", "-id"], name="joinapp_state_created_idx"),
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(state__in=OPEN_STATES),
                name="joinapp_open_created_idx",
            ),
            # the scope of a county or union (its unions' ids, or the county it was dispatched to) with the state
            models.Index(fields=["union", "state"], name="joinapp_union_state_idx"),
            models.Index(fields=["county", "state"], name="joinapp_county_state_idx"),
        ]

    def __str__(self):
        return f"{self.applicant.name} · {self.get_state_display()}"

    @property
    def flags(self) -> list[str]:
        labels = []
        if self.over_60:
            labels.append(str(_("年满60周岁")))
        if self.declared_retired:
            labels.append(str(_("已退休")))
        if self.legal_representative:
            labels.append(str(_("法定代表人/合伙人")))
        return labels
