from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from unionhub import backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump custom format) and the private files into a timestamped folder."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(settings.BASE_DIR / "var" / "backups"))
        parser.add_argument("--database-url", help="Default: the configured database.")

    def handle(self, *args, out, database_url=None, **options):
        url = database_url or backup.url_from_settings(settings.DATABASES["default"])
        folder = backup.backup(database_url=url, private_root=settings.PRIVATE_MEDIA_ROOT, out_dir=Path(out))
        self.stdout.write(str(folder))
