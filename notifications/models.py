"""The outbox: every message to a user, in-site (the inbox), by SMS or by e-mail."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from unionhub.lib import clock


class OutboxMessage(models.Model):
    """A message to one user on one channel. In-site messages are the inbox; SMS and e-mail go out through Celery.

    No personal data is stored here beyond what the text itself says; the phone or e-mail address is read from
    the recipient at delivery time.
    """

    class Channel(models.TextChoices):
        INBOX = "inbox", _("站内消息")
        SMS = "sms", _("短信")
        EMAIL = "email", _("电子邮件")
        WECHAT_SUBSCRIBE = "wechat_subscribe", _("微信订阅消息")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        QUEUED = "queued", _("已排队")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    template = models.CharField(_("模板"), max_length=64)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    dedupe_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    provider_answer = models.JSONField(
        _("服务商回执"), default=dict, blank=True
    )  # notifications.sms.SmsResult
    created_at = models.DateTimeField(_("时间"), default=clock.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    # queued: when it was handed to the queue (or is due again after a failed try); sending: when it was claimed.
    # A row in either state past OUTBOX_STALE_SECONDS is queued again (notifications.delivery.outbox_requeue_stale).
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        db_table = "unionhub_outboxmessage"  # kept from the core app it started in
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        indexes = [
            models.Index(fields=["recipient", "channel", "-created_at"], name="outbox_inbox_idx"),
            models.Index(fields=["status", "channel"], name="outbox_pending_idx"),
            models.Index(
                fields=["queued_at"],
                name="outbox_queued_idx",
                condition=models.Q(status__in=["queued", "sending"]),
            ),
        ]

    def __str__(self):
        return f"{self.get_channel_display()}: {self.subject}"
