"""Proof uploads (the employer's sealed entrustment letter): checked by content, encrypted, kept outside the web
root under a random name, read back only through views that check who asks."""

from django.utils.translation import gettext

from unionhub.lib import private_files
from unionhub.lib.errors import BusinessError

MAX_BYTES = 5 * 1024 * 1024
ALLOWED = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


FOLDER = "proofs"


def proof_check(data: bytes) -> str:
    """The content type of an acceptable proof, judged by its bytes (never by its name)."""
    if len(data) > MAX_BYTES:
        raise BusinessError("proof_too_large", gettext("证明材料不能超过 5 MB。"))
    mime = private_files.sniff(data)
    if mime not in ALLOWED:
        raise BusinessError("proof_invalid_type", gettext("证明材料只能是 PDF、JPG 或 PNG 文件。"))
    if mime == "application/pdf":
        if b"%%EOF" not in data[-2048:]:
            raise BusinessError("proof_invalid_type", gettext("PDF 文件不完整。"))
    else:
        try:
            private_files.image_verify(data)
        except private_files.ImageRejected as exc:
            if exc.reason == "too_large":
                raise BusinessError("proof_invalid_type", gettext("图片尺寸过大。")) from exc
            raise BusinessError("proof_invalid_type", gettext("图片文件已损坏。")) from exc
    return mime


def proof_read_upload(upload) -> bytes:
    data = private_files.read_upload(upload, MAX_BYTES)
    if data is None:
        raise BusinessError("proof_too_large", gettext("证明材料不能超过 5 MB。"))
    return data


def proof_store(data: bytes) -> str:
    return private_files.store(FOLDER, data)


def proof_delete(name: str) -> None:
    private_files.delete(FOLDER, name)


def proof_load(name: str) -> bytes:
    return private_files.load(FOLDER, name)


def proof_filename(name: str, content_type: str) -> str:
    return f"proof-{name[:8]}.{ALLOWED.get(content_type, 'bin')}"
