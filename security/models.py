"""Security records: API tokens issued after a second factor (security/otp.py decides what a token may do), and
one-time SMS codes (SPEC §9), kept only as a keyed hash with the phone encrypted."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

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


class ClaimState(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")


class IdentityClaim(models.Model):
    """A claim against ID squatting (SPEC §9): someone whose ID number another account holds (or a record of the
    union shows with another phone) proves their own phone, sends a photo of the ID card, and staff of the union
    holding that person (the city when none) decide after checking the card.

    The claimant's phone and ID number are encrypted with keyed hashes for lookups; the photo is encrypted under
    PRIVATE_MEDIA_ROOT/id-cards. `previous_phone` keeps the phone of the account that held the person when the
    claim was approved, so that account can be told by SMS after it lost the person."""

    person = models.ForeignKey(
        "members.Person",
        on_delete=models.PROTECT,
        related_name="identity_claims",
        verbose_name=_("被认领人员"),
    )
    union = models.ForeignKey(
        "members.Union", on_delete=models.PROTECT, related_name="identity_claims", verbose_name=_("审核工会")
    )
    name = models.CharField(_("认领人姓名"), max_length=50)
    id_number_masked = models.CharField(_("身份证号码"), max_length=18, editable=False)
    phone = EncryptedTextField(_("认领人手机号码"), editable=False)
    phone_hash = models.CharField(max_length=64, editable=False)
    phone_masked = models.CharField(_("认领人手机号码"), max_length=11, editable=False)
    id_card_file = models.CharField(_("身份证照片"), max_length=100, editable=False)
    id_card_content_type = models.CharField(max_length=40, editable=False)
    state = FSMField(
        _("状态"), default=ClaimState.SUBMITTED, choices=ClaimState.choices, protected=True, db_index=True
    )
    due_at = models.DateField(_("办结期限"))
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("原绑定账号"),
    )
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("认领后的账号"),
    )
    previous_phone = EncryptedTextField(blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("审核人"),
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reason = models.CharField(_("审核意见"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("身份证号码认领")
        verbose_name_plural = _("身份证号码认领")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(state="submitted"), name="identity_claim_one_open"
            )
        ]
        indexes = [models.Index(fields=["union", "state"], name="identity_claim_queue_idx")]

    def __str__(self):
        return f"{self.name}（{self.id_number_masked}）"

    @transition(field=state, source=ClaimState.SUBMITTED, target=ClaimState.APPROVED)
    def approve(self, *, by, at, comment: str):
        self.decided_by, self.decided_at, self.reason = by, at, comment

    @transition(field=state, source=ClaimState.SUBMITTED, target=ClaimState.REJECTED)
    def reject(self, *, by, at, reason: str):
        self.decided_by, self.decided_at, self.reason = by, at, reason


class IdentityClaimStep(models.Model):
    """痕迹管理 of a claim: who moved it from which state to which, when, with what comment."""

    claim = models.ForeignKey(IdentityClaim, on_delete=models.CASCADE, related_name="steps")
    transition = models.CharField(_("操作"), max_length=20)
    source = models.CharField(_("原状态"), max_length=16, blank=True, choices=ClaimState.choices)
    target = models.CharField(_("新状态"), max_length=16, choices=ClaimState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("经办人"),
    )
    comment = models.CharField(_("意见/说明"), max_length=500, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录（痕迹管理）")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.transition} {self.at:%Y-%m-%d %H:%M}"
