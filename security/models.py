"""Security records: API tokens issued after a second factor (security/otp.py decides what a token may do), and
one-time SMS codes (SPEC §9), kept only as a keyed hash with the phone encrypted."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from unionhub.lib.crypto import EncryptedTextField


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


class SmsCodePurpose(models.TextChoices):
    REGISTER = "register", _("注册")
    LOGIN = "login", _("验证码登录")
    RESET = "reset", _("重置密码")
    ACTIVATE = "activate", _("激活会员账号")
    BIND = "bind", _("绑定微信")
    CLAIM = "claim", _("身份证号码申诉")


class SmsCode(models.Model):
    """One code sent (or, for a phone no account holds, counted as sent) to a phone for one purpose.

    Only the newest code of a phone and purpose can be used; it lives UNIONHUB_SMS_CODE_TTL_SECONDS and takes
    UNIONHUB_SMS_CODE_MAX_TRIES wrong guesses. `phone_hash` and `address_hash` are keyed hashes (lookups and caps);
    `code_hash` is the keyed hash of salt and code."""

    purpose = models.CharField(_("用途"), max_length=16, choices=SmsCodePurpose.choices)
    phone_hash = models.CharField(max_length=64, editable=False)
    phone = EncryptedTextField(_("手机号码"), editable=False)
    address_hash = models.CharField(max_length=64, blank=True, editable=False)
    salt = models.CharField(max_length=32, editable=False)
    code_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("发送时间"))
    expires_at = models.DateTimeField(_("失效时间"))
    tries = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    delivered = models.BooleanField(_("已交付短信"), default=False)
    provider_answer = models.JSONField(_("服务商回执"), default=dict, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [
            models.Index(fields=["phone_hash", "purpose", "-created_at"], name="smscode_phone_idx"),
            models.Index(fields=["address_hash", "created_at"], name="smscode_address_idx"),
        ]

    def __str__(self):
        return f"{self.get_purpose_display()} {self.created_at:%Y-%m-%d %H:%M}"


class WeChatApp(models.TextChoices):
    MINIPROGRAM = "miniprogram", _("小程序")
    OFFICIAL = "official", _("公众号")


class WeChatBinding(models.Model):
    """A WeChat openid bound to an account (SPEC §9): one account per openid per app, one openid per account per
    app. `app_id` is the appid of the mini-program or Official Account the openid belongs to (openids differ per
    app); `unionid` is kept when WeChat gives it. The session key is never stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="wechat_bindings",
        verbose_name=_("账号"),
    )
    app = models.CharField(_("微信应用"), max_length=12, choices=WeChatApp.choices)
    app_id = models.CharField(_("AppID"), max_length=32)
    openid = models.CharField(_("OpenID"), max_length=64)
    unionid = models.CharField(_("UnionID"), max_length=64, blank=True)
    bound_at = models.DateTimeField(_("绑定时间"), auto_now_add=True)
    auto_login = models.BooleanField(
        _("微信内免密登录"),
        default=False,
        help_text=_("在微信内打开会员页面时无需密码直接登录（本人选择）。"),
    )

    class Meta:
        verbose_name = _("微信绑定")
        verbose_name_plural = _("微信绑定")
        constraints = [
            models.UniqueConstraint(fields=["app_id", "openid"], name="wechat_openid_one_account"),
            models.UniqueConstraint(fields=["user", "app_id"], name="wechat_one_openid_per_app"),
        ]

    def __str__(self):
        return f"{self.get_app_display()} {self.user_id}"
