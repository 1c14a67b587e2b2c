from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentNumberSequence(models.Model):
    """文号: the last number a union issued in a year. Taken under a row lock (see document_number_issue)."""

    union = models.ForeignKey(
        "members.Union", on_delete=models.CASCADE, related_name="+", verbose_name=_("发文工会")
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    last = models.PositiveIntegerField(_("已用序号"), default=0)

    class Meta:
        verbose_name = _("发文序号")
        verbose_name_plural = _("发文序号")
        constraints = [models.UniqueConstraint(fields=["union", "year"], name="one_sequence_per_union_year")]

    def __str__(self):
        return f"{self.union_id}/{self.year}: {self.last}"
