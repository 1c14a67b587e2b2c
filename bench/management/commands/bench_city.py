import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from bench import applications, dues
from bench import members as gen
from members.models import Person
from unionhub.audit import audit_record
from unionhub.models import AuditEntry

# Each app adds its part of the generated city (payments, applications) after the members.
GENERATORS = [applications, dues]  # each adds its rows for the generated members


class Command(BaseCommand):
    help = (
        "Generate a realistic city for benchmarks (PostgreSQL COPY). Refuses a database that holds real data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, members, seed, workers, **options):
        if Person.objects.exists() and not AuditEntry.objects.filter(action="bench_city").exists():
            raise CommandError(
                "This database holds people that bench_city did not generate: refusing to touch it."
            )
        if Person.objects.exists():
            raise CommandError("This database already holds a generated city; use a fresh database.")
        rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
        started = time.perf_counter()
        with transaction.atomic():
            audit_record(actor=None, action="bench_city", members=members)
            unions = gen.build_unions(rng, members)
            self.stdout.write(f"unions: {len(unions)} grassroots ({time.perf_counter() - started:.1f}s)")
            person_start, membership_start = gen.build_people_and_memberships(rng, members, unions, workers)
            self.stdout.write(f"people and memberships: {members} ({time.perf_counter() - started:.1f}s)")
            for module in GENERATORS:
                module.generate(
                    rng=rng,
                    members=members,
                    membership_start=membership_start,
                    person_start=person_start,
                    unions=unions,
                    stdout=self.stdout,
                )
                self.stdout.write(f"{module.__name__}: done ({time.perf_counter() - started:.1f}s)")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")  # statistics, and the visibility map for index-only scans
        self.stdout.write(self.style.SUCCESS(f"Generated city in {time.perf_counter() - started:.1f}s"))
