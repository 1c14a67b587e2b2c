from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    default = True
    name = "security"
    verbose_name = _("安全")

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from security import signals

        user_locked_out.connect(signals.lockout_record, dispatch_uid="security_lockout_record")
        user_logged_in.connect(signals.session_start_mark, dispatch_uid="security_session_start")
        user_login_failed.connect(signals.login_failure_count, dispatch_uid="security_login_failure_count")


class UnionHubAdminConfig(admin_apps.AdminConfig):
    default = False
    """The admin, with a site that asks city and county admins for a second factor."""

    default_site = "security.admin_site.UnionHubAdminSite"
