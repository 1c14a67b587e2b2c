"""Proof uploads (the employer's sealed entrustment letter): checked by content, encrypted, kept outside the web
root under a random name, read back only through views that check who asks."""

import io
import secrets
import warnings
from pathlib import Path

import filetype
from django.utils.translation import gettext
from PIL import Image, UnidentifiedImageError

from unionhub.lib import storage
from unionhub.lib.crypto import decrypt_bytes, encrypt_bytes
from unionhub.lib.errors import BusinessError

MAX_BYTES = 5 * 1024 * 1024
# A sealed letter photographed or scanned needs far less; more is refused before any pixel is decoded.
MAX_PIXELS = 60_000_000
ALLOWED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def _path(name: str) -> str:
    """The proof's name in the private storage (unionhub.lib.storage): a local directory or an S3 bucket."""
    return f"proofs/{Path(name).name}"


def proof_check(data: bytes) -> str:
    """The content type of an acceptable proof, judged by its bytes (never by its name)."""
    if len(data) > MAX_BYTES:
        raise BusinessError("proof_too_large", gettext("证明材料不能超过 5 MB。"))
    kind = filetype.guess(data)
    mime = kind.mime if kind else ""
    if mime not in ALLOWED:
        raise BusinessError("proof_invalid_type", gettext("证明材料只能是 PDF、JPG 或 PNG 文件。"))
    if mime == "application/pdf":
        if b"%%EOF" not in data[-2048:]:
            raise BusinessError("proof_invalid_type", gettext("PDF 文件不完整。"))
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(data)) as image:
                    if image.width * image.height > MAX_PIXELS:
                        raise Image.DecompressionBombError("too many pixels")
                    image.verify()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise BusinessError("proof_invalid_type", gettext("图片尺寸过大。")) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise BusinessError("proof_invalid_type", gettext("图片文件已损坏。")) from exc
    return mime


def proof_read_upload(upload) -> bytes:
    if upload.size is not None and upload.size > MAX_BYTES:
        raise BusinessError("proof_too_large", gettext("证明材料不能超过 5 MB。"))
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise BusinessError("proof_too_large", gettext("证明材料不能超过 5 MB。"))
    return data


def proof_store(data: bytes) -> str:
    name = secrets.token_hex(16)
    storage.private_write(_path(name), encrypt_bytes(data))
    return name


def proof_delete(name: str) -> None:
    if name:
        storage.private_delete(_path(name))


def proof_load(name: str) -> bytes:
    return decrypt_bytes(storage.private_read(_path(name)))


def proof_filename(name: str, content_type: str) -> str:
    return f"proof-{name[:8]}.{ALLOWED.get(content_type, 'bin')}"
