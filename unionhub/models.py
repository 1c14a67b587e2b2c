"""The audit trail shared by every app (the core holds it so that no app has to import another to write it)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from unionhub.lib import clock


class AuditEntry(models.Model):
    """Who revealed, exported or changed what. Never holds clear personal data."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=40)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("时间"), default=clock.now, editable=False)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        indexes = [models.Index(fields=["action", "-at"], name="audit_action_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
