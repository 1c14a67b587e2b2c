from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class DuesConfig(AppConfig):
    name = "dues"
    verbose_name = _("会费")

    def ready(self):
        from dues import (
            checks,  # noqa: F401 (registers the deploy check)
            signals,
        )
        from dues.models import DuesRate

        post_save.connect(signals.rate_changed, sender=DuesRate, dispatch_uid="dues_rate_saved")
        post_delete.connect(signals.rate_changed, sender=DuesRate, dispatch_uid="dues_rate_deleted")
