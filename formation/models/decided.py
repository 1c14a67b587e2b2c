"""What a union's request that its parent decides (换届, 撤销) has in common: who decided and when, the parent
as the deciding union, and who may decide."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from formation.models.founding import may_act_for_parent


def parent_decides(instance, user) -> bool:
    """Staff of the union's parent (or above it) decide; a union at the top of the tree has nobody to ask."""
    return instance.union.parent_id is not None and may_act_for_parent(instance, user)


class ParentDecided(models.Model):
    """Abstract: a request about `union` (a field of the concrete model) decided by its parent."""

    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    scope_union_fields = ("union",)

    class Meta:
        abstract = True

    @property
    def parent(self):
        return self.union.parent
