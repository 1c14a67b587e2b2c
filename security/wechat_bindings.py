"""Reads of WeChat bindings (SPEC §9): which openid an account has in an app."""

from security.models import WeChatBinding


def wechat_openid(user, app_id: str) -> str | None:
    """The openid bound to `user` in the WeChat app `app_id` (None when not bound or no app is configured)."""
    if not app_id or user is None or not getattr(user, "pk", None):
        return None
    return WeChatBinding.objects.filter(user=user, app_id=app_id).values_list("openid", flat=True).first()
