"""Developer and demo settings: SQLite and eager Celery unless DATABASE_URL / REDIS_URL are set."""

import json
import secrets

from cryptography.fernet import Fernet

from .base import *  # noqa: F403
from .base import BASE_DIR, env, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)


def _dev_keys() -> dict:
    """Random keys kept in var/dev-keys.json (git-ignored) so a fresh checkout runs without a .env."""
    path = BASE_DIR / "var" / "dev-keys.json"
    if path.exists():
        return json.loads(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = {
        "secret_key": secrets.token_urlsafe(50),
        "field_key": Fernet.generate_key().decode(),
        "hash_key": secrets.token_urlsafe(32),
        "sandbox_secret": secrets.token_urlsafe(32),
    }
    path.write_text(json.dumps(keys))
    path.chmod(0o600)
    return keys


_keys = _dev_keys()
SECRET_KEY = env("DJANGO_SECRET_KEY", _keys["secret_key"])
UNIONHUB_FIELD_KEYS = [k for k in (env("UNIONHUB_FIELD_KEYS") or _keys["field_key"]).split(",") if k]
UNIONHUB_HASH_KEY = env("UNIONHUB_HASH_KEY", _keys["hash_key"])
PAYMENT_SANDBOX_SECRET = env("PAYMENT_SANDBOX_SECRET", _keys["sandbox_secret"])
# The demo city and the benchmark city: development and test only, never installed in production.
INSTALLED_APPS = [*INSTALLED_APPS, "demo", "bench"]  # noqa: F405
