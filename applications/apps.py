from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("入会申请")

    def ready(self):
        from applications.views import home_section
        from members.views import HOME_SECTIONS

        if home_section not in HOME_SECTIONS:
            HOME_SECTIONS.append(home_section)
