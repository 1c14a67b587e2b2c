from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("组织与会员")

    def ready(self):
        from members import roles

        post_migrate.connect(roles.post_migrate_sync, dispatch_uid="members_roles_sync")
