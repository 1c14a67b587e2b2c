"""Check the API contract: schema valid, TypeScript client typed, nothing removed from the snapshot.

python manage.py api_contract            # the CI check (exit status 1 on a failure)
python manage.py api_contract --refresh  # accept the current contract: rewrite tools/contract/snapshot.json
python manage.py api_contract --out DIR  # also keep openapi.json and unionhub-api.d.ts in DIR
"""

import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from unionhub import contract


class Command(BaseCommand):
    help = "Check the OpenAPI contract (typed error bodies, snapshot of operations) or refresh its snapshot."

    def add_arguments(self, parser):
        parser.add_argument("--refresh", action="store_true", help="rewrite tools/contract/snapshot.json")
        parser.add_argument("--out", help="directory for openapi.json and the generated unionhub-api.d.ts")

    def handle(self, *args, refresh=False, out=None, **options):
        schema = contract.schema_build()
        current = contract.contract_of(schema)
        if refresh:
            contract.snapshot_write(current)
            self.stdout.write(f"{contract.SNAPSHOT}: {len(current)} operations")
            return
        failures = []
        with tempfile.TemporaryDirectory() as tmp:
            types_path = contract.typescript_generate(schema, Path(out or tmp))
            failures += [f"untyped error body: {line}" for line in contract.untyped_error_bodies(types_path)]
            if out:
                self.stdout.write(f"TypeScript client types: {types_path}")
        snapshot = contract.snapshot_read()
        failures += [f"contract broken: {line}" for line in contract.contract_breaks(snapshot, current)]
        for line in contract.contract_additions(snapshot, current):
            self.stdout.write(f"not yet in the snapshot (refresh with --refresh): {line}")
        if failures:
            raise CommandError("\n".join(failures))
        self.stdout.write(f"API contract ok: {len(current)} operations, error answers typed, snapshot kept")
