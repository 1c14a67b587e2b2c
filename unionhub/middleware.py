import time

from django.conf import settings
from django.contrib.auth import logout

from unionhub.lib.errors import InvalidCharacters
from unionhub.lib.parsers import unsafe_text


class NoStoreForPersonalPagesMiddleware:
    """Pages that show a person's data are never cached; idle sessions end, and every session ends
    SESSION_COOKIE_AGE seconds after its login however active it was (the cookie's own expiry moves on
    each save, so it alone is not an absolute limit)."""

    PUBLIC_PREFIXES = ("/static/", "/api/v1/schema/", "/api/v1/docs/")
    # The idle clock is written at most every few minutes, not on every request (each write is a session save).
    LAST_SEEN_PRECISION = 300

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            last = request.session.get("last_seen")
            now = int(time.time())
            started = request.session.setdefault("session_started", now)
            if (
                last and now - last > settings.SESSION_IDLE_SECONDS
            ) or now - started > settings.SESSION_COOKIE_AGE:
                logout(request)
            elif not last or now - last > self.LAST_SEEN_PRECISION:
                request.session["last_seen"] = now
        response = self.get_response(request)
        if not request.path.startswith(self.PUBLIC_PREFIXES):
            response["Cache-Control"] = "no-store"
        return response


class PasswordChangeRequiredMiddleware:
    """An account whose password was reset by a union admin must choose a new one before anything else: pages
    redirect to the change-password page, the API answers 403 `password_change_required` (token requests are
    refused the same way by `members.authentication.TokenAuthentication`)."""

    ALLOWED_NAMES = (
        "admin:password_change",
        "admin:password_change_done",
        "admin:login",
        "admin:logout",
        "admin:jsi18n",
        "member-logout",
        "set_language",
        "security-otp-verify",
        "security-otp-enrol",
    )
    ALLOWED_PREFIXES = ("/static/",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            refusal = self.refuse(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def refuse(self, request):
        from django.http import JsonResponse
        from django.shortcuts import redirect
        from django.urls import Resolver404, resolve, reverse
        from django.utils.http import urlencode
        from django.utils.translation import gettext

        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "code": "password_change_required",
                    "detail": gettext("密码已被管理员重置，请先登录管理后台修改密码。"),
                },
                status=403,
            )
        if request.path.startswith(self.ALLOWED_PREFIXES):
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            match = None
        if match is not None and match.view_name in self.ALLOWED_NAMES:
            return None
        return redirect(f"{reverse('admin:password_change')}?{urlencode({'next': request.get_full_path()})}")


class RefuseUnsafeTextMiddleware:
    """Query parameters (names and values) and form fields holding NUL or lone surrogates are answered 400 here,
    once for every view: PostgreSQL text cannot hold NUL, and such strings can only be an attack or a broken client.
    API bodies are checked by the request parsers (unionhub.lib.parsers); provider notifications are exempt (they are
    kept as received, whatever they hold)."""

    EXEMPT_PREFIXES = ("/api/v1/payments/",)
    FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(self.EXEMPT_PREFIXES):
            where = self._unsafe(request)
            if where:
                return self._refuse(request, where)
        return self.get_response(request)

    def _unsafe(self, request) -> str:

        if unsafe_text(request.path) or any(
            unsafe_text(key) or any(unsafe_text(v) for v in values) for key, values in request.GET.lists()
        ):
            return "query"
        if (
            request.method == "POST"
            and not request.path.startswith("/api/")
            and request.content_type in self.FORM_TYPES
            and any(
                unsafe_text(key) or any(unsafe_text(v) for v in values)
                for key, values in request.POST.lists()
            )
        ):
            return "form"
        return ""

    def _refuse(self, request, where: str):
        from django.http import HttpResponseBadRequest, JsonResponse

        error = InvalidCharacters(where)
        if request.path.startswith("/api/"):
            return JsonResponse({"code": error.code, "detail": error.detail}, status=error.status_code)
        return HttpResponseBadRequest(error.detail, content_type="text/plain; charset=utf-8")
