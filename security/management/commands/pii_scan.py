from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from security.scan import scan_database, scan_files


class Command(BaseCommand):
    help = (
        "Scan every text column of every table, and the given log files, for resident ID numbers and "
        "mobile numbers in clear. Prints each hit masked; exits with an error when anything is found."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "logs",
            nargs="*",
            type=Path,
            help="log files (or task payload dumps) to scan too; a directory: every file in it",
        )
        parser.add_argument("--no-database", action="store_true", help="scan only the given files")

    def handle(self, *args, logs, no_database, **options):
        hits = [] if no_database else list(scan_database())
        files = [
            f for p in logs for f in (sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p])
        ]
        hits += list(scan_files(files))
        for hit in hits:
            self.stdout.write(str(hit))
        if hits:
            raise CommandError(f"{len(hits)} personal numbers found in clear")
        self.stdout.write(self.style.SUCCESS("No personal numbers in clear."))
