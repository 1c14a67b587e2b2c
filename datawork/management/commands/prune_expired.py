from django.core.management.base import BaseCommand

from datawork.pruning import prune_expired


class Command(BaseCommand):
    help = "Delete delivered messages, refused payment notifications and audit rows past their retention."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would go, delete nothing.")

    def handle(self, *args, dry_run=False, **options):
        result = prune_expired(dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(
            f"{verb}: outbox {result.outbox}, payment notifications {result.payment_notifications}, "
            f"audit {result.audit}"
        )
