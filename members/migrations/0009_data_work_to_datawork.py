"""importjob, unionreview, statisticspage now live in the datawork app (their tables stay): removed from this app's state."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('datawork', '0001_initial'),
        ('members', '0008_import_job_recovery'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.RemoveField(
                model_name='importjob',
                name='union',
            ),
            migrations.RemoveField(
                model_name='importjob',
                name='uploaded_by',
            ),
            migrations.DeleteModel(
                name='StatisticsPage',
            ),
            migrations.DeleteModel(
                name='UnionReview',
            ),
            migrations.DeleteModel(
                name='ImportJob',
            ),
            ],
        ),
    ]
