"""Transfer applications (转会) on the shared application workflow, and union-formation cases (督促建会)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models import ApplicationBase


class TransferApplication(ApplicationBase):
    """A member asks to move to another union; approval moves the membership (number, join date, ledger stay)."""

    membership = models.ForeignKey(
        "members.Membership",
        on_delete=models.PROTECT,
        related_name="transfer_applications",
        verbose_name=_("会籍"),
    )
    from_union = models.ForeignKey(
        "members.Union", on_delete=models.PROTECT, related_name="transfers_out", verbose_name=_("原所在工会")
    )
    transfer_reason = models.CharField(_("转会原因"), max_length=500, blank=True)
    secondment_until = models.DateField(
        _("借调期满日期"), null=True, blank=True, help_text=_("借调六个月以上的，期满后转回原单位工会。")
    )
    secondment_reminded_on = models.DateField(null=True, blank=True, editable=False)

    scope_union_fields = ("union", "county", "from_union")
    kind_key = "transfer"
    kind_label = "转会申请"

    class Meta(ApplicationBase.Meta):
        verbose_name = _("转会申请")
        verbose_name_plural = _("转会申请")
        indexes = [
            models.Index(fields=["state", "due_at"], name="transferapp_state_due_idx"),
            models.Index(fields=["state", "secondment_until"], name="transferapp_secondment_idx"),
        ]

    def __str__(self):
        return f"{self.applicant.name} · {self.get_state_display()}"

    @property
    def is_secondment(self) -> bool:
        return self.secondment_until is not None
