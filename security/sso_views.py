"""Pages of the institutional SSO login (security/sso.py): the start (to the provider's authorize page) and
the callback (state and nonce checked by mozilla-django-oidc, the code exchanged by it over HTTP)."""

import logging

from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from security.sso import SsoUnavailable, oidc_setting, sso_enabled

log = logging.getLogger(__name__)


def _unavailable(request):
    return render(request, "security/sso_failed.html", {"reason": "unavailable"}, status=503)


class SsoLoginView(OIDCAuthenticationRequestView):
    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args, **kwargs):
        View.__init__(self, *args, **kwargs)  # the endpoint is read per request, from discovery

    @property
    def OIDC_OP_AUTH_ENDPOINT(self):  # noqa: N802 (the library's attribute name)
        return self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")

    @property
    def OIDC_RP_CLIENT_ID(self):  # noqa: N802
        return self.get_settings("OIDC_RP_CLIENT_ID")

    def get(self, request):
        if not sso_enabled():
            raise Http404
        try:
            return super().get(request)
        except SsoUnavailable as exc:
            log.warning("SSO provider unavailable: %s", exc)
            return _unavailable(request)


class SsoCallbackView(OIDCAuthenticationCallbackView):
    get_settings = staticmethod(oidc_setting)

    def get(self, request):
        if not sso_enabled():
            raise Http404
        try:
            return super().get(request)
        except SuspiciousOperation:  # a state this browser was never given
            log.warning("SSO callback refused: unknown state")
            return render(request, "security/sso_failed.html", {"reason": "state"}, status=400)
        except SsoUnavailable as exc:
            log.warning("SSO provider unavailable: %s", exc)
            return _unavailable(request)

    def login_failure(self):
        reason = getattr(self.request, "sso_refusal", None)
        if reason:
            return render(self.request, "security/sso_failed.html", {"reason": reason}, status=403)
        messages.error(self.request, _("统一身份认证登录未成功，请重试或使用密码登录。"))
        return redirect("member-login")
