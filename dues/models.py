"""The dues ledger: yearly rates, paid months (one credit per member and month), orders and notifications."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from unionhub.lib import clock, months


class DuesRate(models.Model):
    """The monthly amount of a calendar year, set by city admins."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    monthly_amount = models.DecimalField(_("每月会费"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("会费标准")
        verbose_name_plural = _("会费标准")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="dues_rate_not_negative")
        ]

    def __str__(self):
        return f"{self.year}: ¥{self.monthly_amount}/月"


class PaymentChannel(models.TextChoices):
    """支付渠道 as staff and members read it; the stored value stays the provider's name."""

    SANDBOX = "sandbox", _("在线支付（测试）")
    WECHATPAY = "wechatpay", _("微信支付")
    UNIT = "unit", _("单位统一缴纳")


class PayChannel(models.TextChoices):
    """How the payer pays an online order (SPEC §9): the WeChat Pay v3 product used."""

    NATIVE = "native", _("扫码支付")
    H5 = "h5", _("手机浏览器支付")
    JSAPI = "jsapi", _("微信内支付")
    MINIPROGRAM = "miniprogram", _("小程序支付")


class PaymentOrder(models.Model):
    """One payment of consecutive months of one year (self-pay online, or a unit's bulk payment)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待支付")
        PAID = "paid", _("已支付")
        EXPIRED = "expired", _("已过期")
        CANCELLED = "cancelled", _("已取消")
        SUPERSEDED = "superseded", _("已被新订单取代")
        REFUND_PENDING = "refund_pending", _("待退款")
        REFUNDED = "refunded", _("已退款")

    order_no = models.CharField(_("订单号"), max_length=32, unique=True)
    membership = models.ForeignKey(
        "members.Membership", on_delete=models.PROTECT, related_name="payment_orders", verbose_name=_("会籍")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    first_month = models.DateField(_("起始月"))
    last_month = models.DateField(_("截止月"))
    month_list = models.JSONField(_("所缴月份"), default=list)
    months_count = models.PositiveSmallIntegerField(_("月数"))
    dues_amount = models.DecimalField(_("会费金额"), max_digits=12, decimal_places=2)
    extra_amount = models.DecimalField(_("自愿多交"), max_digits=12, decimal_places=2, default=0)
    total_amount = models.DecimalField(_("合计"), max_digits=12, decimal_places=2)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    provider = models.CharField(_("支付渠道"), max_length=16, choices=PaymentChannel.choices)
    transaction_id = models.CharField(_("支付流水号"), max_length=64, null=True, blank=True, unique=True)
    paid_at = models.DateTimeField(_("支付时间"), null=True, blank=True)
    receipt_no = models.CharField(_("收据号"), max_length=24, null=True, blank=True, unique=True)
    provider_ref = models.CharField(_("渠道支付参数"), max_length=1000, blank=True)
    # Empty for orders paid outside the online flow (a unit's bulk payment).
    channel = models.CharField(_("支付方式"), max_length=12, choices=PayChannel.choices, blank=True)
    # What the payer's WeChat needs to pay a JSAPI / mini-program order (signed by the merchant key; not secret).
    pay_params = models.JSONField(_("调起支付参数"), default=dict, blank=True)
    created_by = models.ForeignKey(
        "members.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("经办人"),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=clock.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("缴费订单")
        verbose_name_plural = _("缴费订单")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["membership"], condition=Q(status="pending"), name="one_pending_order_per_membership"
            ),
            models.CheckConstraint(
                condition=Q(extra_amount__gte=0) & Q(dues_amount__gte=0), name="order_amounts_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(first_month__day=1) & Q(last_month__day=1), name="order_months_first_of_month"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="order_status_created_idx")]

    def __str__(self):
        return self.order_no

    @property
    def period_label(self) -> str:
        return f"{months.format_month(self.first_month)} ~ {months.format_month(self.last_month)}"


class PaidMonth(models.Model):
    """A month credited to a membership. The unique constraint is what makes double crediting impossible."""

    class Source(models.TextChoices):
        SELF_PAY = "self_pay", _("自行缴费")
        PAYROLL = "payroll", _("工资代扣")
        UNIT = "unit", _("单位统一缴纳")

    membership = models.ForeignKey("members.Membership", on_delete=models.PROTECT, related_name="paid_months")
    month = models.DateField(_("月份"))
    amount = models.DecimalField(_("金额"), max_digits=12, decimal_places=2)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    payment = models.ForeignKey(
        PaymentOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="paid_months"
    )
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("已缴月份")
        verbose_name_plural = _("已缴月份")
        constraints = [
            models.UniqueConstraint(fields=["membership", "month"], name="one_credit_per_membership_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="paid_month_first_of_month"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="paid_month_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["month", "source"], name="paidmonth_month_source_idx")]

    def __str__(self):
        return months.format_month(self.month)


class PaymentNotification(models.Model):
    """Every notification received from a provider, stored (in a commit of its own) before it is parsed or acted on,
    so none is ever lost; its outcome is written afterwards, with the credit when there is one."""

    class Outcome(models.TextChoices):
        RECEIVED = "received", _("已接收")
        CREDITED = "credited", _("已入账")
        DUPLICATE = "duplicate", _("重复通知")
        REFUND = "refund", _("需退款")
        REJECTED = "rejected", _("已拒绝")

    provider = models.CharField(_("支付渠道"), max_length=16, choices=PaymentChannel.choices)
    order_no = models.CharField(_("订单号"), max_length=64, blank=True, db_index=True)
    transaction_id = models.CharField(_("支付流水号"), max_length=64, blank=True)
    raw_body = models.TextField(_("原始报文"))
    headers = models.JSONField(default=dict, blank=True)
    verified = models.BooleanField(_("验签通过"), default=False)
    outcome = models.CharField(
        _("处理结果"), max_length=10, choices=Outcome.choices, default=Outcome.RECEIVED
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    # The payment time exactly as the provider sent it; the order keeps a bounded one (see the reason when replaced).
    provider_paid_at = models.CharField(_("渠道支付时间（原文）"), max_length=64, blank=True)
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("支付通知")
        verbose_name_plural = _("支付通知")
        ordering = ["-received_at", "-pk"]

    def __str__(self):
        return f"{self.provider} {self.order_no} {self.outcome}"


class ArrearsEntry(models.Model):
    """The latest sweep's view of a member in arrears (three or more unpaid required months)."""

    membership = models.OneToOneField(
        "members.Membership", on_delete=models.CASCADE, related_name="arrears", verbose_name=_("会籍")
    )
    unpaid_months = models.PositiveSmallIntegerField(_("连续欠费月数"))
    first_unpaid_month = models.DateField(_("欠费起始月"))
    dues_mode = models.CharField(_("缴费方式"), max_length=10)
    action = models.CharField(_("处理"), max_length=16)
    as_of = models.DateField(_("统计日期"))

    class Meta:
        verbose_name = _("欠费名单")
        verbose_name_plural = _("欠费名单")
        ordering = ["-unpaid_months"]

    def __str__(self):
        return f"{self.membership_id}: {self.unpaid_months}"


class SweepRun(models.Model):
    """One business date's arrears sweep: its plan (the arrears list) is written first, then withdrawals in batches,
    each batch counted in its own transaction; a run interrupted part way is completed by the next one."""

    class Status(models.TextChoices):
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")

    business_date = models.DateField(_("业务日期"), unique=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    planned = models.BooleanField(default=False)
    batches_total = models.PositiveIntegerField(_("批次总数"), default=0)
    batches_done = models.PositiveIntegerField(_("已完成批次"), default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(_("开始时间"), null=True)
    heartbeat_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("欠费处理记录")
        verbose_name_plural = _("欠费处理记录")
        ordering = ["-business_date"]

    def __str__(self):
        return f"{self.business_date} {self.status} {self.batches_done}/{self.batches_total}"


class RefundPendingOrder(PaymentOrder):
    """Orders paid for months that were already credited: money to return (待退款)."""

    class Meta:
        proxy = True
        verbose_name = _("待退款订单")
        verbose_name_plural = _("待退款订单")
