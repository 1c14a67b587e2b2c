"""unionformationcase now live in the formation app (their tables stay): removed from this app's state."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('formation', '0001_initial'),
        ('transfers', '0002_business_clock_timestamps'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.DeleteModel(
                name='UnionFormationCase',
            ),
            ],
        ),
    ]
