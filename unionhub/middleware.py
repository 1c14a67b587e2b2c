import time

from django.conf import settings
from django.contrib.auth import logout


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
            if (last and now - last > settings.SESSION_IDLE_SECONDS) or now - started > settings.SESSION_COOKIE_AGE:
                logout(request)
            elif not last or now - last > self.LAST_SEEN_PRECISION:
                request.session["last_seen"] = now
        response = self.get_response(request)
        if not request.path.startswith(self.PUBLIC_PREFIXES):
            response["Cache-Control"] = "no-store"
        return response
