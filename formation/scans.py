"""Signed scans of founding documents: checked by content, encrypted, kept outside the web root under a random
name (the same storage rules as join proofs), read back only through views that check who asks."""

import secrets
from pathlib import Path

import filetype
from django.conf import settings
from django.utils.translation import gettext

from unionhub.lib.crypto import decrypt_bytes, encrypt_bytes
from unionhub.lib.errors import BusinessError

MAX_BYTES = 10 * 1024 * 1024
ALLOWED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def _root() -> Path:
    return Path(settings.PRIVATE_MEDIA_ROOT) / "founding-scans"


def scan_read(upload) -> tuple[bytes, str]:
    """The bytes and content type of an acceptable scan (judged by its bytes, never by its name)."""
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise BusinessError("scan_invalid", gettext("扫描件不能超过 10 MB。"))
    kind = filetype.guess(data)
    mime = kind.mime if kind else ""
    if mime not in ALLOWED:
        raise BusinessError("scan_invalid", gettext("扫描件只能是 PDF、JPG 或 PNG 文件。"))
    return data, mime


def scan_store(data: bytes) -> str:
    root = _root()
    root.mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16)
    (root / name).write_bytes(encrypt_bytes(data))
    return name


def scan_load(name: str) -> bytes:
    return decrypt_bytes((_root() / Path(name).name).read_bytes())


def scan_delete(name: str) -> None:
    if name:
        (_root() / Path(name).name).unlink(missing_ok=True)


def scan_filename(kind: str, content_type: str) -> str:
    return f"{kind}.{ALLOWED.get(content_type, 'bin')}"
