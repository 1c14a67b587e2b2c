from decimal import Decimal

from django.db import migrations


def seed(apps, schema_editor):
    DuesRate = apps.get_model("dues", "DuesRate")
    for year in (2025, 2026):
        DuesRate.objects.get_or_create(year=year, defaults={"monthly_amount": Decimal("10.00")})


class Migration(migrations.Migration):
    dependencies = [("dues", "0001_ledger")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
