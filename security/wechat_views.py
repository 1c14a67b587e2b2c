"""Official Account web OAuth (SPEC §9) and the member's WeChat page: bindings, sign-in inside WeChat, unbinding.

The OAuth `state` is random, kept in the session and compared on the callback: a callback with another state is
refused and binds nothing.
"""

import logging
import secrets

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from members.permissions import member_required
from security import wechat as services
from security.models import WeChatApp
from unionhub.audit import audit_record
from unionhub.lib import wechat
from unionhub.lib.errors import BusinessError

log = logging.getLogger(__name__)

BIND = "bind"
LOGIN = "login"
SESSION_STATE = "wechat_oauth_state"
SESSION_PURPOSE = "wechat_oauth_purpose"
SESSION_NEXT = "wechat_oauth_next"
LOGIN_BACKEND = "members.backends.PhoneIdOrUsernameBackend"


def tried_key(purpose: str) -> str:
    return f"wechat_oauth_tried_{purpose}"


def _safe_next(request, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("member-home")


def oauth_start(request, *, purpose: str, next_url: str) -> HttpResponseRedirect:
    """Send the browser to WeChat's authorisation page (`snsapi_base`: no prompt, only the openid)."""
    state = secrets.token_urlsafe(16)
    request.session[SESSION_STATE] = state
    request.session[SESSION_PURPOSE] = purpose
    request.session[SESSION_NEXT] = next_url
    request.session[tried_key(purpose)] = True
    callback = request.build_absolute_uri(reverse("security-wechat-oauth-callback"))
    return HttpResponseRedirect(wechat.oauth_authorize_url(redirect_uri=callback, state=state))


@never_cache
@require_GET
def wechat_oauth_callback(request):
    """WeChat sends the browser back here with `code` and our `state`."""
    expected = request.session.pop(SESSION_STATE, None)
    purpose = request.session.pop(SESSION_PURPOSE, None)
    next_url = _safe_next(request, request.session.pop(SESSION_NEXT, ""))
    state = request.GET.get("state", "")
    if not expected or not secrets.compare_digest(str(expected), state):
        log.warning("WeChat OAuth callback with a state this session did not issue")
        return render(request, "security/wechat_refused.html", status=400)
    code = request.GET.get("code", "")
    if not code:  # the user cancelled the authorisation
        return redirect(next_url)
    try:
        identity = wechat.oauth_access_token(code)
    except wechat.WeChatError as exc:
        log.info("WeChat OAuth code refused: errcode %s", exc.errcode)
        messages.warning(request, _("未能取得微信授权，请稍后再试。"))
        return redirect(next_url)
    if request.user.is_authenticated:
        if purpose == BIND:
            try:
                services.wechat_official_bind(user=request.user, identity=identity)
            except BusinessError as exc:
                messages.error(request, exc.detail)
            else:
                messages.success(request, _("已绑定微信公众号。可在“微信绑定”页面选择在微信内免密登录。"))
        return redirect(next_url)
    user = services.wechat_official_auto_login_user(identity)
    if user is not None:
        login(request, user, backend=LOGIN_BACKEND)
        audit_record(actor=user, action="wechat.login", obj=user, app=WeChatApp.OFFICIAL)
    return redirect(next_url)


@never_cache
@member_required
@require_http_methods(["GET", "POST"])
def wechat_page(request):
    """The member's WeChat bindings: sign in inside WeChat without a password (on or off), unbind."""
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in ("auto_login_on", "auto_login_off"):
            if services.wechat_auto_login_set(user=request.user, enabled=action == "auto_login_on"):
                messages.success(request, _("已保存。"))
        elif action == "unbind":
            app = request.POST.get("app") or None
            if (app is None or app in WeChatApp.values) and services.wechat_unbind(
                user=request.user, app=app
            ):
                messages.success(request, _("已解除微信绑定。"))
        return redirect("security-wechat")
    bindings = list(request.user.wechat_bindings.order_by("app"))
    return render(
        request,
        "security/wechat.html",
        {
            "bindings": bindings,
            "official": next((b for b in bindings if b.app == WeChatApp.OFFICIAL), None),
            "official_configured": wechat.configured(wechat.OFFICIAL),
        },
    )
