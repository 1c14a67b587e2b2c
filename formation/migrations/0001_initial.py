"""unionformationcase move here from the transfers app: the tables stay as they are (state only), and
their content types (and so their permissions and admin history) follow."""
import django.db.models.deletion
import unionhub.lib.clock
import django_fsm
from django.conf import settings
from django.db import migrations, models


MODELS = ['unionformationcase']


def content_types_follow(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="formation", model=model).exists():
            ContentType.objects.filter(app_label="transfers", model=model).update(app_label="formation")


def content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="transfers", model=model).exists():
            ContentType.objects.filter(app_label="formation", model=model).update(app_label="transfers")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('transfers', '0002_business_clock_timestamps'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('members', '0003_data_imports'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='UnionFormationCase',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('employer_name', models.CharField(max_length=200, verbose_name='单位名称')),
                    ('state', django_fsm.FSMField(choices=[('open', '待督促建会'), ('notice_issued', '已下发组建通知书'), ('established', '已建会'), ('transferred', '会籍已转接')], default='open', max_length=16, protected=True, verbose_name='状态')),
                    ('member_count', models.PositiveIntegerField(default=0, verbose_name='会员人数')),
                    ('opened_on', models.DateField(verbose_name='启动日期')),
                    ('due_at', models.DateField(verbose_name='通知书下发期限')),
                    ('notice_issued_on', models.DateField(blank=True, null=True, verbose_name='通知书下发日期')),
                    ('established_on', models.DateField(blank=True, null=True, verbose_name='建会日期')),
                    ('transferred_count', models.PositiveIntegerField(default=0, verbose_name='转接人数')),
                    ('created_at', models.DateTimeField(default=unionhub.lib.clock.now, editable=False, verbose_name='立案时间')),
                    ('county', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='members.union', verbose_name='负责的县区总工会')),
                    ('new_union', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='members.union', verbose_name='新建工会')),
                    ('reservoir', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='formation_cases', to='members.union', verbose_name='职工服务中心工会')),
                    ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='经办人')),
                ],
                options={
                    'verbose_name': '督促建会',
                    'verbose_name_plural': '督促建会',
                    'db_table': 'transfers_unionformationcase',
                    'ordering': ['due_at', 'pk'],
                    'constraints': [models.UniqueConstraint(fields=('reservoir', 'employer_name'), name='one_formation_case_per_employer')],
                },
            ),
            ],
        ),
        migrations.RunPython(content_types_follow, content_types_back),
    ]
