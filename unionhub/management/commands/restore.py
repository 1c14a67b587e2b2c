from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from unionhub import backup


class Command(BaseCommand):
    help = "Restore a backup folder into the given database (and the private files into their directory)."

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument("--database-url", required=True, help="The database to restore into.")
        parser.add_argument("--create", action="store_true", help="Create that database first.")
        parser.add_argument("--private-root", default=str(settings.PRIVATE_MEDIA_ROOT))
        parser.add_argument("--skip-files", action="store_true", help="Restore the database only.")

    def handle(
        self, *args, folder, database_url, create=False, private_root=None, skip_files=False, **options
    ):
        backup.restore(
            folder=Path(folder),
            database_url=database_url,
            private_root=None if skip_files else Path(private_root),
            create=create,
        )
        self.stdout.write(f"restored {folder}")
