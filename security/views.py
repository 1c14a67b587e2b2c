"""Two-factor pages for staff: enrol a TOTP authenticator (QR code) and verify a session."""

import base64

import segno
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from security import otp
from security.forms import TokenForm
from unionhub.audit import audit_record


def _next_url(request) -> str:
    url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("admin:index")


def _staff_only(request):
    if not request.user.is_staff:
        raise Http404


@never_cache
@login_required
def otp_enrol(request):
    """Turn on two-factor authentication: scan the QR code, then confirm with a code from the app."""
    _staff_only(request)
    user = request.user
    if user_has_device(user, confirmed=True):
        if not otp.session_verified(request):
            return redirect(f"{reverse('security-otp-verify')}?{request.GET.urlencode()}")
        return render(request, "security/otp_enrol.html", {"enabled": True, "next": _next_url(request)})
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("身份验证器"), confirmed=False)

    def check(token):
        return device if device.verify_token(token) else None

    form = TokenForm(request.POST or None, device_check=check)
    if request.method == "POST" and form.is_valid():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)
        audit_record(actor=user, action="otp_enrol", obj=device)
        return redirect(_next_url(request))
    return render(
        request,
        "security/otp_enrol.html",
        {
            "form": form,
            "enabled": False,
            "mandatory": otp.otp_mandatory(user),
            "next": _next_url(request),
            "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=4, omitsize=True),
            "secret": base64.b32encode(device.bin_key).decode(),
        },
    )


@never_cache
@login_required
def otp_verify(request):
    """Present a code for this session (after the password)."""
    _staff_only(request)
    user = request.user
    if not user_has_device(user, confirmed=True):
        return redirect(f"{reverse('security-otp-enrol')}?{request.GET.urlencode()}")
    form = TokenForm(request.POST or None, device_check=lambda token: match_token(user, token))
    if request.method == "POST" and form.is_valid():
        otp_login(request, form.device)
        return redirect(_next_url(request))
    return render(request, "security/otp_verify.html", {"form": form, "next": _next_url(request)})
