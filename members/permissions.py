"""Who may call what: union staff for the office APIs, a member account for the member's own pages and APIs.

The second-factor rule is security's; it reaches this permission through the `UNIONHUB_STAFF_REQUEST_CHECKS`
setting (dotted paths of callables taking the DRF request), so the registry never imports the access layer."""

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


class IsUnionStaff(IsAuthenticated):
    """Staff of a union (or a superuser) whose request passes every configured check (the second factor)."""

    def has_permission(self, request, view):
        user = request.user
        if not (super().has_permission(request, view) and (user.is_superuser or user.is_union_staff)):
            return False
        return all(check(request) for check in _staff_request_checks())


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
