"""The per-address limit on failed logins, across accounts: right after axes in AUTHENTICATION_BACKENDS, so a blocked address
is refused before any password is checked (page and API; the answer is axes' 429 lockout)."""

from django.core.exceptions import PermissionDenied

from unionhub.lib.client_ip import address_blocked


class AddressLimitBackend:
    """Only `authenticate` (no `get_user`, no permissions): it never logs anyone in."""

    def authenticate(self, request, **credentials):
        if request is not None and address_blocked(request):
            request.address_blocked = True
            request.axes_locked_out = True  # AxesMiddleware answers with the lockout page (429)
            raise PermissionDenied
        return None
