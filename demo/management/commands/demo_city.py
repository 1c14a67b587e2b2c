from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo import applications, datawork, dues, dues_sweep, lifecycle, portal, transfers
from demo import members as registry
from demo.members import DemoContext
from members.models import Union

# Each module adds its part of the demo city, in this order.
BUILDERS = [registry, datawork, applications, transfers, lifecycle, dues, portal, dues_sweep]


class Command(BaseCommand):
    help = "Build the demo city (unions, staff, members, applications, payments) and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing when unions already exist")

    def handle(self, *args, **options):
        if Union.objects.exists():
            if options["if_empty"]:
                self.stdout.write("Demo data already present; logins are in var/demo-accounts.txt.")
                return
            raise CommandError(
                "The database already holds unions; the demo city is built only on an empty one."
            )
        ctx = DemoContext(self.stdout)
        with transaction.atomic():
            for module in BUILDERS:
                module.build(ctx)
        lines = [f"{role}\t{login}\t{password}" for role, login, password in ctx.accounts]
        path = settings.BASE_DIR / "var" / "demo-accounts.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("角色\t登录名\t密码\n" + "\n".join(lines) + "\n")
        path.chmod(0o600)
        self.stdout.write(self.style.SUCCESS("Demo city built. Logins (also in var/demo-accounts.txt):"))
        for line in lines:
            self.stdout.write("  " + line)
