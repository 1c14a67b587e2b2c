"""Uploaded documents kept private (proofs, ID card photos): judged by their bytes, encrypted at rest, stored
outside the web root under a random name in a folder of the private storage (unionhub.lib.storage: a local
directory, or an S3 bucket when configured), read back only by views that check
who asks."""

import io
import secrets
import warnings
from pathlib import Path

import filetype
from PIL import Image, UnidentifiedImageError

from unionhub.lib import storage
from unionhub.lib.crypto import decrypt_bytes, encrypt_bytes

# A letter or a card photographed or scanned needs far less; more is refused before any pixel is decoded.
MAX_PIXELS = 60_000_000


class ImageRejected(ValueError):
    """An image that is too large in pixels (`too_large`) or cannot be decoded (`broken`)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def sniff(data: bytes) -> str:
    """The content type judged by the bytes (never by a file name); empty when unknown."""
    kind = filetype.guess(data)
    return kind.mime if kind else ""


def image_verify(data: bytes) -> None:
    """Raise ImageRejected unless the bytes are a sound image of a sane size."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise Image.DecompressionBombError("too many pixels")
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("too_large") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected("broken") from exc


def read_upload(upload, max_bytes: int) -> bytes | None:
    """The upload's bytes, or None when it is larger than max_bytes (never more than that is read)."""
    if upload.size is not None and upload.size > max_bytes:
        return None
    data = upload.read(max_bytes + 1)
    return None if len(data) > max_bytes else data


def _path(folder: str, name: str) -> str:
    return f"{folder}/{Path(name).name}"


def store(folder: str, data: bytes) -> str:
    """Encrypt and keep the bytes; returns the random name to keep on the row."""
    name = secrets.token_hex(16)
    storage.private_write(_path(folder, name), encrypt_bytes(data))
    return name


def delete(folder: str, name: str) -> None:
    if name:
        storage.private_delete(_path(folder, name))


def load(folder: str, name: str) -> bytes:
    return decrypt_bytes(storage.private_read(_path(folder, name)))
