"""Personal data at rest: Fernet encryption (MultiFernet for key rotation) and a keyed hash for lookups."""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("UNIONHUB_FIELD_KEYS is not set")
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.UNIONHUB_FIELD_KEYS))


def encrypt(text: str) -> str:
    return fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("cannot decrypt: the key that wrote this value is not configured") from exc


def rotate(token: str) -> str:
    """Re-encrypt with the newest key (old keys must still be configured)."""
    return fernet().rotate(token.encode()).decode()


def encrypt_bytes(data: bytes) -> bytes:
    return fernet().encrypt(data)


def decrypt_bytes(data: bytes) -> bytes:
    return fernet().decrypt(data)


def keyed_hash(text: str) -> str:
    key = settings.UNIONHUB_HASH_KEY
    if not key:
        raise ImproperlyConfigured("UNIONHUB_HASH_KEY is not set")
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; Python sees clear text. Not searchable: pair it with a keyed-hash column."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)
