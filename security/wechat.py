"""WeChat login and binding (SPEC §9): the mini-program logs in with `wx.login`'s code, an unknown openid gets a
short-lived signed bind ticket that a phone code or the password turns into a binding; pages opened inside WeChat
bind the Official Account openid through the web OAuth; an account may unbind.

One account per openid per app, one openid per account per app (the database holds both). WeChat login is for
member accounts without a second factor: a staff account, or one with two-step verification on, keeps its own
login. The mini-program session key never leaves `unionhub.lib.wechat`; a bind ticket carries only the app,
appid, openid and unionid, signed and dated.
"""

import logging

from django.conf import settings
from django.contrib.auth import authenticate
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from members.identity import identity_verification_record
from members.models import IdentityMethod, User
from security import otp
from security.models import SmsCodePurpose, WeChatApp, WeChatBinding
from security.recovery import _member_by_code
from unionhub.audit import audit_record
from unionhub.lib import wechat
from unionhub.lib.errors import BusinessError

log = logging.getLogger(__name__)

TICKET_SALT = "security.wechat.bind-ticket"


def wechat_login_allowed(user: User | None) -> bool:
    """An active member account without a second factor (staff and 2FA accounts keep their own login)."""
    return bool(
        user is not None
        and user.is_active
        and getattr(user, "person_id", None)
        and not user.is_staff
        and not user.is_superuser
        and not otp.otp_required(user)
    )


def _not_allowed() -> BusinessError:
    return BusinessError("wechat_not_allowed", _("微信登录只适用于未开启两步验证的会员账号。"))


def _client_error(exc: wechat.WeChatError) -> BusinessError:
    if isinstance(exc, wechat.WeChatCodeInvalid):
        return BusinessError("wechat_code_invalid", _("微信登录凭证无效或已使用，请重新进入小程序。"))
    if isinstance(exc, wechat.WeChatRateLimited):
        return BusinessError("wechat_rate_limited", _("微信接口调用过于频繁，请稍后再试。"))
    if isinstance(exc, wechat.WeChatNotConfigured):
        return BusinessError("wechat_not_configured", _("本系统尚未开通微信登录。"))
    if not exc.retryable:
        log.error("WeChat refused a login call: errcode %s", exc.errcode)
    return BusinessError("wechat_unavailable", _("微信服务暂时不可用，请稍后再试。"))


def _token(user: User) -> Token:
    token, _created = Token.objects.get_or_create(user=user)
    return token


# --- bind tickets -------------------------------------------------------------------------------------------------


def bind_ticket_issue(*, app: str, app_id: str, identity: wechat.WeChatIdentity) -> str:
    return signing.dumps(
        {"app": app, "app_id": app_id, "openid": identity.openid, "unionid": identity.unionid},
        salt=TICKET_SALT,
        compress=True,
    )


def bind_ticket_read(ticket: str) -> dict:
    """The ticket's app, appid, openid and unionid; bind_ticket_invalid when forged, expired, or for an app that
    is no longer the configured one."""
    try:
        data = signing.loads(ticket, salt=TICKET_SALT, max_age=settings.UNIONHUB_WECHAT_BIND_TICKET_SECONDS)
    except signing.BadSignature:
        data = None
    if (
        not isinstance(data, dict)
        or data.get("app") not in WeChatApp.values
        or not data.get("openid")
        or data.get("app_id") != wechat.credentials(data["app"])[0]
    ):
        raise BusinessError("bind_ticket_invalid", _("绑定凭证无效或已过期，请重新进入小程序。"))
    return data


# --- login --------------------------------------------------------------------------------------------------------


def wechat_miniprogram_login(*, code: str) -> dict:
    """{"token"} for a bound openid, else {"bind_ticket", "expires_in"}."""
    appid, secret = wechat.credentials(wechat.MINIPROGRAM)
    try:
        identity = wechat.code2session(appid, secret, code)
    except wechat.WeChatError as exc:
        raise _client_error(exc) from exc
    binding = (
        WeChatBinding.objects.select_related("user").filter(app_id=appid, openid=identity.openid).first()
    )
    if binding is None:
        return {
            "bind_ticket": bind_ticket_issue(app=wechat.MINIPROGRAM, app_id=appid, identity=identity),
            "expires_in": settings.UNIONHUB_WECHAT_BIND_TICKET_SECONDS,
        }
    user = binding.user
    if not wechat_login_allowed(user):
        raise _not_allowed()
    with transaction.atomic():
        if identity.unionid and binding.unionid != identity.unionid:
            WeChatBinding.objects.filter(pk=binding.pk).update(unionid=identity.unionid)
        audit_record(actor=user, action="wechat.login", obj=user, app=binding.app)
        token = _token(user)
    return {"token": token.key}


# --- binding ------------------------------------------------------------------------------------------------------


def wechat_binding_create(
    *, user: User, app: str, app_id: str, openid: str, unionid: str = ""
) -> WeChatBinding:
    """Bind `openid` of the app to `user` (again binding the same pair is a no-op). An openid bound to another
    account, or an account already bound to another openid of the app, is refused (409)."""
    with transaction.atomic():
        existing = WeChatBinding.objects.select_for_update().filter(app_id=app_id, openid=openid).first()
        if existing is not None:
            if existing.user_id != user.pk:
                raise BusinessError("wechat_openid_bound", _("该微信已绑定其他账号，请先在原账号解除绑定。"))
            return existing
        if WeChatBinding.objects.filter(user=user, app_id=app_id).exists():
            raise BusinessError("wechat_account_bound", _("该账号已绑定另一个微信，请先解除绑定。"))
        try:
            with transaction.atomic():
                binding = WeChatBinding.objects.create(
                    user=user, app=app, app_id=app_id, openid=openid, unionid=unionid
                )
        except IntegrityError as exc:  # the same openid or account bound at the same moment elsewhere
            raise BusinessError(
                "wechat_openid_bound", _("该微信已绑定其他账号，请先在原账号解除绑定。")
            ) from exc
        identity_verification_record(user=user, method=IdentityMethod.WECHAT)
        audit_record(actor=user, action="wechat.bound", obj=user, app=app)
    log.info("WeChat %s bound to account %s", app, user.pk)
    return binding


def _bind_and_token(*, user: User, ticket: dict) -> Token:
    if not wechat_login_allowed(user):
        raise _not_allowed()
    with transaction.atomic():
        wechat_binding_create(
            user=user,
            app=ticket["app"],
            app_id=ticket["app_id"],
            openid=ticket["openid"],
            unionid=ticket.get("unionid") or "",
        )
        return _token(user)


def wechat_bind_by_code(*, bind_ticket: str, phone: str, code: str) -> Token:
    """Bind the ticket's openid to the member whose bound phone received this `bind` code; a token for them."""
    ticket = bind_ticket_read(bind_ticket)
    user = _member_by_code(purpose=SmsCodePurpose.BIND, phone=phone, code=code)
    return _bind_and_token(user=user, ticket=ticket)


def wechat_bind_by_password(*, request, bind_ticket: str, username: str, password: str) -> Token:
    """Bind the ticket's openid to the member who logs in with phone or ID number and password (the lockout
    counts the attempt like any login); a token for them."""
    ticket = bind_ticket_read(bind_ticket)
    user = authenticate(request, username=username, password=password)
    if user is None:
        raise BusinessError("invalid_credentials", _("用户名或密码不正确。"))
    return _bind_and_token(user=user, ticket=ticket)


def wechat_unbind(*, user: User, app: str | None = None) -> int:
    """Remove the account's WeChat bindings (of one app, or all); audited. Returns how many were removed."""
    rows = WeChatBinding.objects.filter(user=user)
    if app:
        rows = rows.filter(app=app)
    with transaction.atomic():
        apps = sorted(set(rows.values_list("app", flat=True)))
        removed, _detail = rows.delete()
        if removed:
            audit_record(actor=user, action="wechat.unbound", obj=user, apps=apps)
    return removed


# --- Official Account ---------------------------------------------------------------------------------------------


def wechat_official_binding(user: User) -> WeChatBinding | None:
    appid = wechat.credentials(wechat.OFFICIAL)[0]
    if not appid or user is None or not user.is_authenticated:
        return None
    return WeChatBinding.objects.filter(user=user, app_id=appid).first()


def wechat_official_bind(*, user: User, identity: wechat.WeChatIdentity) -> WeChatBinding:
    """Bind the Official Account openid the web OAuth returned to the logged-in member."""
    if not wechat_login_allowed(user):
        raise _not_allowed()
    return wechat_binding_create(
        user=user,
        app=wechat.OFFICIAL,
        app_id=wechat.credentials(wechat.OFFICIAL)[0],
        openid=identity.openid,
        unionid=identity.unionid,
    )


def wechat_official_auto_login_user(identity: wechat.WeChatIdentity) -> User | None:
    """The member who chose to be signed in inside WeChat with this Official Account openid (None otherwise)."""
    binding = (
        WeChatBinding.objects.select_related("user")
        .filter(app_id=wechat.credentials(wechat.OFFICIAL)[0], openid=identity.openid, auto_login=True)
        .first()
    )
    if binding is None or not wechat_login_allowed(binding.user):
        return None
    return binding.user


def wechat_auto_login_set(*, user: User, enabled: bool) -> int:
    """Turn signing in without a password inside WeChat on or off for the account's Official Account binding."""
    with transaction.atomic():
        changed = WeChatBinding.objects.filter(user=user, app=WeChatApp.OFFICIAL).update(auto_login=enabled)
        if changed:
            audit_record(actor=user, action="wechat.auto_login", obj=user, enabled=enabled)
    return changed
