"""Data work for union offices: member import jobs, and admin entry points for statistics and the review."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from members.models import Union
from unionhub.lib import clock


class ImportJob(models.Model):
    """One uploaded member list (导入会员清单). The file is kept encrypted until the job has finished."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        VALIDATING = "validating", _("校验中")
        IMPORTING = "importing", _("导入中")
        DONE = "done", _("导入完成")
        REJECTED = "rejected", _("校验未通过，未导入")
        FAILED = "failed", _("处理出错")

    FINISHED = (Status.DONE, Status.REJECTED, Status.FAILED)

    union = models.ForeignKey(
        "members.Union", on_delete=models.PROTECT, related_name="import_jobs", verbose_name=_("导入到工会")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("上传人"),
    )
    file_name = models.CharField(_("文件名"), max_length=200)
    stored_file = models.CharField(max_length=200, blank=True, editable=False)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    done = models.PositiveIntegerField(_("已处理行数"), default=0)
    created_count = models.PositiveIntegerField(_("导入人数"), default=0)
    # {"errors": [{"row": 5, "field": "身份证号码", "message": "..."}], "error_count": n} — never clear ID numbers
    report = models.JSONField(_("报告"), default=dict, blank=True)
    created_at = models.DateTimeField(_("上传时间"), default=clock.now, editable=False)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # Recovery (datawork.imports.import_jobs_recover): when the job was last handed to the queue, and how often.
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        db_table = "members_importjob"  # kept from the members app it started in
        verbose_name = _("会员导入")
        verbose_name_plural = _("会员导入")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.file_name}（{self.get_status_display()}）"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class UnionReview(Union):
    """The half-yearly review (半年更新) of unions' data, as an admin list."""

    class Meta:
        proxy = True
        verbose_name = _("半年资料确认")
        verbose_name_plural = _("半年资料确认")


class StatisticsPage(Union):
    """The statistics dashboard's entry in the admin index."""

    class Meta:
        proxy = True
        verbose_name = _("统计分析")
        verbose_name_plural = _("统计分析")


class ExportJob(models.Model):
    """One requested export (roster or union summary), written by a heavy-queue task into the private storage and
    downloaded by its requester alone through an expiring signed link (datawork.export_jobs)."""

    class Kind(models.TextChoices):
        ROSTER = "roster", _("会员花名册")
        SUMMARY = "summary", _("组织信息汇总表")

    class Format(models.TextChoices):
        XLSX = "xlsx", "xlsx"
        CSV = "csv", "csv"

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("处理出错")

    FINISHED = (Status.DONE, Status.FAILED)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("申请人"),
    )
    union = models.ForeignKey(
        "members.Union", on_delete=models.PROTECT, related_name="export_jobs", verbose_name=_("工会")
    )
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    format = models.CharField(_("格式"), max_length=4, choices=Format.choices, default=Format.XLSX)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    clear = models.BooleanField(
        _("明文证件号和手机号"), default=False
    )  # decided at request time (perm + 2FA)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("总行数"), default=0)
    done = models.PositiveIntegerField(_("已写行数"), default=0)
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    sheets = models.PositiveSmallIntegerField(_("工作表数"), default=0)
    stored_file = models.CharField(max_length=200, blank=True, editable=False)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=clock.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("下载链接有效期至"), null=True, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="exportjob_status_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.union_id}（{self.get_status_display()}）"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED
