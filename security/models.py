"""API tokens that were issued after a second factor (security/otp.py decides what a token may do)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class VerifiedToken(models.Model):
    """An API token whose issuance passed a TOTP code: only such a token carries staff power for an account
    that must use two-factor authentication. Stored as a SHA-256 digest of the key, never the key."""

    digest = models.CharField(_("令牌摘要"), max_length=128, primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    verified_at = models.DateTimeField(_("验证时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("已两步验证的令牌")
        verbose_name_plural = verbose_name

    def __str__(self):
        return f"{self.user_id}@{self.verified_at:%Y-%m-%d %H:%M}"
