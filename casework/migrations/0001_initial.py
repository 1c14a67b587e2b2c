"""transitionrecord, workdayoverride move here from the applications app: the tables stay as they are (state only), and
their content types (and so their permissions and admin history) follow."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = ['transitionrecord', 'workdayoverride']


def content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="casework", model=model).exists():
            ContentType.objects.filter(app_label="applications", model=model).update(app_label="casework")


def content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="applications", model=model).exists():
            ContentType.objects.filter(app_label="casework", model=model).update(app_label="applications")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('applications', '0003_business_clock_timestamps'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='WorkdayOverride',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('day', models.DateField(unique=True, verbose_name='日期')),
                    ('is_workday', models.BooleanField(verbose_name='是工作日')),
                    ('note', models.CharField(blank=True, max_length=100, verbose_name='说明')),
                ],
                options={
                    'verbose_name': '节假日与调休',
                    'verbose_name_plural': '节假日与调休',
                    'db_table': 'applications_workdayoverride',
                    'ordering': ['day'],
                },
            ),
            migrations.CreateModel(
                name='TransitionRecord',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('object_id', models.PositiveBigIntegerField()),
                    ('transition', models.CharField(max_length=20, verbose_name='操作')),
                    ('source', models.CharField(blank=True, max_length=16, verbose_name='原状态')),
                    ('target', models.CharField(max_length=16, verbose_name='新状态')),
                    ('comment', models.CharField(blank=True, max_length=500, verbose_name='意见/说明')),
                    ('at', models.DateTimeField(verbose_name='时间')),
                    ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='经办人')),
                    ('content_type', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='contenttypes.contenttype')),
                ],
                options={
                    'verbose_name': '办理记录',
                    'verbose_name_plural': '办理记录',
                    'db_table': 'applications_transitionrecord',
                    'ordering': ['at', 'pk'],
                    'indexes': [models.Index(fields=['content_type', 'object_id'], name='transition_object_idx')],
                },
            ),
            ],
        ),
        migrations.RunPython(content_types_follow, content_types_back),
    ]
