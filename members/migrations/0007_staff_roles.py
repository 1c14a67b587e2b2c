"""Staff roles as groups (members.roles is the source of truth); existing staff keep their powers as roles."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OLD_GROUP = "union_staff"


def forwards(apps, schema_editor):
    from members import roles

    # Permissions are normally created after migrate; the role groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles.roles_sync(apps)

    Group = apps.get_model("auth", "Group")
    User = apps.get_model("members", "User")
    by_key = {role.key: Group.objects.get(name=role.name) for role in roles.ROLES}
    old = Group.objects.filter(name=OLD_GROUP).first()
    for user in User.objects.filter(is_superuser=False, is_staff=True).exclude(union=None):
        keys = (
            ["approver", "finance", "data_manager"]
            if old is not None and user.groups.filter(pk=old.pk).exists()
            else []
        )
        if user.user_permissions.filter(codename="reveal_person").exists():
            keys.append("reveal")
        if user.is_union_admin:
            keys.append("union_admin")
        user.groups.add(*[by_key[k] for k in keys])
        user.user_permissions.clear()  # raw permissions are the superuser's business only
    if old is not None:
        old.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0006_user_must_change_password"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("applications", "0001_initial"),
        ("transfers", "0001_initial"),
        ("dues", "0006_notification_provider_paid_at"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
