"""Two-factor rules: who must present a TOTP code, and whether this session or API request did.

`staff_power(request)` is the one check every staff door asks (the staff API permission, the admin site):
union staff (or a superuser) whose credential for this request passed the second factor when the account
must use one. A browser session passes through django-otp's verify step; an API token passes only when it
was issued by `auth/token/` with a TOTP code (recorded as a `VerifiedToken`). `second_factor_verified` is
stricter: clear ID numbers and phones (reveals, clear exports) need a verified second factor from any staff.
"""

import hashlib

from django.conf import settings
from django_otp import user_has_device
from rest_framework.authentication import SessionAuthentication

from members.models import UnionLevel
from security.models import VerifiedToken

LEVELS_REQUIRING_2FA = (UnionLevel.CITY, UnionLevel.COUNTY)


def otp_mandatory(user) -> bool:
    """City and county admins (and superusers) must use a second factor when the setting is on."""
    if not (
        settings.UNIONHUB_REQUIRE_ADMIN_2FA and user.is_authenticated and user.is_active and user.is_staff
    ):
        return False
    return bool(user.is_superuser or (user.union_id and user.union.level in LEVELS_REQUIRING_2FA))


def otp_required(user) -> bool:
    """A second factor is needed by those who must have one and by anyone who turned it on."""
    if not user.is_authenticated:
        return False
    return otp_mandatory(user) or user_has_device(user, confirmed=True)


def session_verified(request) -> bool:
    """True when this session needs no second factor or has presented one (django-otp's OTPMiddleware)."""
    user = request.user
    if not otp_required(user):
        return True
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def token_digest(token) -> str:
    """The stored name of an API token: a knox-style digest when the token has one, else SHA-256 of its key."""
    digest = getattr(token, "digest", None)
    return digest or hashlib.sha256(token.key.encode()).hexdigest()


def token_mark_verified(token, user) -> None:
    """`auth/token/` calls this after a right TOTP code: from now on the token carries staff power."""

    VerifiedToken.objects.update_or_create(digest=token_digest(token), defaults={"user": user})


def _token_passed_second_factor(request) -> bool:

    token = getattr(request, "auth", None)
    if token is None or not hasattr(token, "key") and not hasattr(token, "digest"):
        return False
    return VerifiedToken.objects.filter(digest=token_digest(token), user_id=request.user.pk).exists()


def _is_token_request(request) -> bool:
    authenticator = getattr(request, "successful_authenticator", None)
    return authenticator is not None and not isinstance(authenticator, SessionAuthentication)


def api_request_verified(request) -> bool:
    """API: a token counts as verified only if it was issued with a TOTP code; a session must itself be."""
    if _is_token_request(request):
        return not otp_required(request.user) or _token_passed_second_factor(request)
    return session_verified(getattr(request, "_request", request))


def second_factor_verified(request) -> bool:
    """This request passed a second factor itself (whoever the user is): needed to see numbers in clear."""
    if not request.user.is_authenticated:
        return False
    if _is_token_request(request):
        return _token_passed_second_factor(request)
    is_verified = getattr(getattr(request, "_request", request).user, "is_verified", None)
    return bool(is_verified and is_verified())


def staff_power(request) -> bool:
    """The one check of every staff door: union staff or superuser, verified as their account requires."""
    user = request.user
    if not (user.is_authenticated and user.is_active and (user.is_superuser or user.is_union_staff)):
        return False
    return api_request_verified(request)


def second_factor_redirect(request, next_url: str):
    """Send staff to enter (or first set up) their authenticator, then back to `next_url`."""
    from django.contrib.auth import REDIRECT_FIELD_NAME
    from django.shortcuts import redirect
    from django.urls import reverse
    from django.utils.http import urlencode

    target = "security-otp-verify" if user_has_device(request.user, confirmed=True) else "security-otp-enrol"
    return redirect(f"{reverse(target)}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
