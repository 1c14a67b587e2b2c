"""outboxmessage now live in the notifications app (their tables stay): removed from this app's state."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0001_initial'),
        ('unionhub', '0002_business_clock_timestamps'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.DeleteModel(
                name='OutboxMessage',
            ),
            ],
        ),
    ]
