"""outboxmessage move here from the unionhub app: the tables stay as they are (state only), and
their content types (and so their permissions and admin history) follow."""
import django.db.models.deletion
import unionhub.lib.clock
from django.conf import settings
from django.db import migrations, models


MODELS = ['outboxmessage']


def content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="notifications", model=model).exists():
            ContentType.objects.filter(app_label="unionhub", model=model).update(app_label="notifications")


def content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="unionhub", model=model).exists():
            ContentType.objects.filter(app_label="notifications", model=model).update(app_label="unionhub")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('unionhub', '0002_business_clock_timestamps'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='OutboxMessage',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('channel', models.CharField(choices=[('inbox', '站内消息'), ('sms', '短信'), ('email', '电子邮件')], max_length=8, verbose_name='渠道')),
                    ('template', models.CharField(max_length=64, verbose_name='模板')),
                    ('subject', models.CharField(max_length=200, verbose_name='标题')),
                    ('body', models.TextField(verbose_name='内容')),
                    ('dedupe_key', models.CharField(max_length=200, unique=True)),
                    ('status', models.CharField(choices=[('pending', '待发送'), ('sent', '已发送'), ('failed', '发送失败')], default='pending', max_length=8, verbose_name='状态')),
                    ('attempts', models.PositiveSmallIntegerField(default=0)),
                    ('last_error', models.CharField(blank=True, max_length=200)),
                    ('created_at', models.DateTimeField(default=unionhub.lib.clock.now, editable=False, verbose_name='时间')),
                    ('sent_at', models.DateTimeField(blank=True, null=True)),
                    ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='已读时间')),
                    ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='messages', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': '消息',
                    'verbose_name_plural': '消息',
                    'db_table': 'unionhub_outboxmessage',
                    'indexes': [models.Index(fields=['recipient', 'channel', '-created_at'], name='outbox_inbox_idx'), models.Index(fields=['status', 'channel'], name='outbox_pending_idx')],
                },
            ),
            ],
        ),
        migrations.RunPython(content_types_follow, content_types_back),
    ]
