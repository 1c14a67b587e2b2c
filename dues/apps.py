from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuesConfig(AppConfig):
    name = "dues"
    verbose_name = _("会费")

    def ready(self):
        from dues import checks  # noqa: F401 (registers the deploy check)
        from dues.views import home_section
        from members.views import HOME_SECTIONS

        if home_section not in HOME_SECTIONS:
            HOME_SECTIONS.append(home_section)
