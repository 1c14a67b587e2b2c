"""Test settings: PostgreSQL when DATABASE_URL is set (CI always sets it), SQLite otherwise."""

from .base import *  # noqa: F403
from .base import BASE_DIR

DEBUG = False
SECRET_KEY = "test-only-not-a-secret"
# Fixed, test-only keys (not secrets): tests need reproducible ciphertexts and hashes.
UNIONHUB_FIELD_KEYS = ["pJqS1bW7rQ7bm6l6s0l3aH8o7y3a6f8nB2v4c1x9z0E="]
UNIONHUB_HASH_KEY = "test-hash-key"
PAYMENT_SANDBOX_SECRET = "test-sandbox-secret"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "sessions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sessions"},
}
PRIVATE_MEDIA_ROOT = BASE_DIR / "var" / "test-private"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
NOTIFY_SMS_BACKEND = "locmem"  # notifications.sms.outbox
UNIONHUB_SMS_RATE_PER_SECOND = 0  # off; tests of the limit turn it on
AXES_ENABLED = True
UNIONHUB_TODAY = None
STORAGES = {
    "private": PRIVATE_STORAGE,  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
(BASE_DIR / "var" / "staticfiles").mkdir(parents=True, exist_ok=True)
# Suites that log into the admin as county staff run without a second factor; tests of it turn this on.
UNIONHUB_REQUIRE_ADMIN_2FA = False
# The demo city and the benchmark city: development and test only, never installed in production.
INSTALLED_APPS = [*INSTALLED_APPS, "demo", "bench"]  # noqa: F405
# An error code missing from unionhub.lib.errors.ERROR_CODES, or answered by a view that does not declare it, fails.
UNIONHUB_STRICT_ERROR_CODES = True
# No scraper network in tests: /metrics answers 404 to every test client unless a test allows its own address
# (its figures are process statistics whose digits could match any victim value the access matrix looks for).
UNIONHUB_METRICS_ALLOWED_CIDRS = []
# The read replica (unionhub.dbrouters) as a mirror of the test database: reads routed to it see the same rows.
# Off unless a test turns UNIONHUB_READ_REPLICA on (and allows the "replica" alias).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
UNIONHUB_READ_REPLICA = False
