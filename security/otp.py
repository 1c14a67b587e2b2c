"""Two-factor rules: who must present a TOTP code, and whether this session or API request did."""

from django.conf import settings
from django_otp import user_has_device
from rest_framework.authentication import SessionAuthentication

from members.models import UnionLevel

LEVELS_REQUIRING_2FA = (UnionLevel.CITY, UnionLevel.COUNTY)


def otp_mandatory(user) -> bool:
    """City and county admins (and superusers) must use a second factor when the setting is on."""
    if not (settings.UNIONHUB_REQUIRE_ADMIN_2FA and user.is_authenticated and user.is_active and user.is_staff):
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


def api_request_verified(request) -> bool:
    """API: a token is issued only after the second factor; a browser session must itself be verified."""
    if isinstance(getattr(request, "successful_authenticator", None), SessionAuthentication):
        return session_verified(request._request)
    return True
