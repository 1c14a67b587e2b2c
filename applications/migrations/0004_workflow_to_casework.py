"""transitionrecord, workdayoverride now live in the casework app (their tables stay): removed from this app's state."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0001_initial'),
        ('applications', '0003_business_clock_timestamps'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.RemoveField(
                model_name='transitionrecord',
                name='actor',
            ),
            migrations.RemoveField(
                model_name='transitionrecord',
                name='content_type',
            ),
            migrations.DeleteModel(
                name='WorkdayOverride',
            ),
            migrations.DeleteModel(
                name='TransitionRecord',
            ),
            ],
        ),
    ]
