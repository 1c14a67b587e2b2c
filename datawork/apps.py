from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DataworkConfig(AppConfig):
    name = "datawork"
    verbose_name = _("数据与统计")

    def ready(self):
        # Registers the import tasks by name: recovery queues them without importing the tasks module.
        from datawork import tasks  # noqa: F401
