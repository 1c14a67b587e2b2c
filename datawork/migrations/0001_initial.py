"""importjob, unionreview, statisticspage move here from the members app: the tables stay as they are (state only), and
their content types (and so their permissions and admin history) follow."""
import django.db.models.deletion
import unionhub.lib.clock
from django.conf import settings
from django.db import migrations, models


MODELS = ['importjob', 'unionreview', 'statisticspage']


def content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="datawork", model=model).exists():
            ContentType.objects.filter(app_label="members", model=model).update(app_label="datawork")


def content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="members", model=model).exists():
            ContentType.objects.filter(app_label="datawork", model=model).update(app_label="members")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('members', '0008_import_job_recovery'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='StatisticsPage',
                fields=[
                ],
                options={
                    'verbose_name': '统计分析',
                    'verbose_name_plural': '统计分析',
                    'proxy': True,
                    'indexes': [],
                    'constraints': [],
                },
                bases=('members.union',),
            ),
            migrations.CreateModel(
                name='UnionReview',
                fields=[
                ],
                options={
                    'verbose_name': '半年资料确认',
                    'verbose_name_plural': '半年资料确认',
                    'proxy': True,
                    'indexes': [],
                    'constraints': [],
                },
                bases=('members.union',),
            ),
            migrations.CreateModel(
                name='ImportJob',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('file_name', models.CharField(max_length=200, verbose_name='文件名')),
                    ('stored_file', models.CharField(blank=True, editable=False, max_length=200)),
                    ('status', models.CharField(choices=[('pending', '排队中'), ('validating', '校验中'), ('importing', '导入中'), ('done', '导入完成'), ('rejected', '校验未通过，未导入'), ('failed', '处理出错')], default='pending', max_length=12, verbose_name='状态')),
                    ('total', models.PositiveIntegerField(default=0, verbose_name='总行数')),
                    ('done', models.PositiveIntegerField(default=0, verbose_name='已处理行数')),
                    ('created_count', models.PositiveIntegerField(default=0, verbose_name='导入人数')),
                    ('report', models.JSONField(blank=True, default=dict, verbose_name='报告')),
                    ('created_at', models.DateTimeField(default=unionhub.lib.clock.now, editable=False, verbose_name='上传时间')),
                    ('queued_at', models.DateTimeField(blank=True, editable=False, null=True)),
                    ('attempts', models.PositiveSmallIntegerField(default=0, editable=False)),
                    ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='完成时间')),
                    ('union', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='import_jobs', to='members.union', verbose_name='导入到工会')),
                    ('uploaded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='上传人')),
                ],
                options={
                    'verbose_name': '会员导入',
                    'verbose_name_plural': '会员导入',
                    'db_table': 'members_importjob',
                    'ordering': ['-created_at', '-pk'],
                },
            ),
            ],
        ),
        migrations.RunPython(content_types_follow, content_types_back),
    ]
