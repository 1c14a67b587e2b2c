"""Production: refuses to start without its secrets."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = False
for _name in ("DJANGO_SECRET_KEY", "UNIONHUB_FIELD_KEYS", "UNIONHUB_HASH_KEY", "DATABASE_URL", "REDIS_URL"):
    if not env(_name):
        raise ImproperlyConfigured(f"{_name} must be set in production")
if len(SECRET_KEY) < 50:  # noqa: F405
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 characters")

# The sandbox "bank" credits months without money: never in production, except an explicit training deployment,
# which then says so on every page (dues/checks.py reports it in `check --deploy`).
if PAYMENT_PROVIDER == "sandbox":  # noqa: F405
    if not UNIONHUB_ALLOW_SANDBOX_PAYMENTS:  # noqa: F405
        raise ImproperlyConfigured(
            "PAYMENT_PROVIDER=sandbox is refused in production; set PAYMENT_PROVIDER=wechatpay, or "
            "UNIONHUB_ALLOW_SANDBOX_PAYMENTS=true for a training deployment"
        )
    UNIONHUB_TRAINING_BANNER = True

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
# Probes and the metrics scraper talk plain HTTP to the web process inside the private network.
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_NAME = "__Host-csrftoken"
STORAGES = {
    "private": PRIVATE_STORAGE,  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
