from django.core.management.base import BaseCommand

from security.services import encrypted_fields_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt personal data (ID numbers, phones, addresses, …) with the newest key in "
        "UNIONHUB_FIELD_KEYS. Put the new key first, keep the old ones, run this, then drop the old keys."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        for label, count in encrypted_fields_rotate(batch_size=batch_size).items():
            self.stdout.write(f"{label}: {count} rows re-encrypted")
