from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    name = "transfers"
    verbose_name = _("转会")

    def ready(self):
        from members.views import HOME_SECTIONS
        from transfers.views import home_section

        if home_section not in HOME_SECTIONS:
            HOME_SECTIONS.append(home_section)
