from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench.measure import run
from unionhub.models import AuditEntry


class Command(BaseCommand):
    help = (
        "Measure the generated city (bench_city) and write var/bench/results.json and var/bench/results.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--quick", action="store_true", help="few requests, 2 s of load (for the tests)")
        parser.add_argument(
            "--only", default="", help="comma-separated parts of step names to run (default all)"
        )

    def handle(self, *args, quick, only, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The bench runs on PostgreSQL.")
        if not AuditEntry.objects.filter(action="bench_city").exists():
            raise CommandError("No generated city here: run bench_city on a fresh database first.")
        report = run(quick=quick, stdout=self.stdout, only=only)
        json_path, md_path = report.write()
        self.stdout.write(report.markdown())
        self.stdout.write(f"Written {json_path} and {md_path}")
