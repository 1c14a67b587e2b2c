"""Who may call what: union staff for the office APIs, a member account for the member's own pages and APIs.

The second-factor rules are security's; they reach the registry through settings (`UNIONHUB_STAFF_REQUEST_CHECKS`,
`UNIONHUB_SECOND_FACTOR`: dotted paths of callables), so the registry never imports the access layer."""

from functools import cache, wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from rest_framework.permissions import IsAuthenticated

from unionhub.lib.errors import BusinessError


@cache
def _staff_request_checks() -> tuple:
    return tuple(import_string(path) for path in getattr(settings, "UNIONHUB_STAFF_REQUEST_CHECKS", ()))


def staff_request(request) -> bool:
    """Staff power for this request: a union's staff or a superuser, passing every configured check."""
    user = request.user
    if not (user.is_authenticated and user.is_active and (user.is_superuser or user.is_union_staff)):
        return False
    return all(check(request) for check in _staff_request_checks())


def second_factor_verified(request) -> bool:
    """This request passed a second factor itself (security's rule, `UNIONHUB_SECOND_FACTOR["verified"]`)."""
    return import_string(settings.UNIONHUB_SECOND_FACTOR["verified"])(request)


def second_factor_redirect(request, next_url: str):
    """Send the user to enter (or set up) the second factor, then back (`UNIONHUB_SECOND_FACTOR["redirect"]`)."""
    return import_string(settings.UNIONHUB_SECOND_FACTOR["redirect"])(request, next_url)


class IsUnionStaff(IsAuthenticated):
    """Staff of a union (or a superuser) whose request passes every configured check (the second factor)."""

    def has_permission(self, request, view):
        return super().has_permission(request, view) and staff_request(request)


def member_person(user):
    """The person behind a member account; staff and anonymous accounts are refused (400 not_a_member_account)."""
    person = getattr(user, "person", None) if user is not None and user.is_authenticated else None
    if person is None:
        raise BusinessError("not_a_member_account", gettext("该账号不是会员账号。"))
    return person


def member_required(view):
    """A member's page: a logged-in user with a person; staff accounts go to the admin."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.user.person is None:
            return redirect("admin:index")
        return view(request, *args, **kwargs)

    return wrapped
