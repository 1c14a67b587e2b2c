import datetime as dt

from django.core.management.base import BaseCommand

from dues import services


class Command(BaseCommand):
    help = "Run the arrears sweep for the business date now (the same code as the daily Celery task)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="business date (ISO); defaults to unionhub.lib.clock.today()")

    def handle(self, *args, date=None, **options):
        counts = services.dues_sweep(today=dt.date.fromisoformat(date) if date else None)
        self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
