"""Private files (proof uploads, import uploads and reports, generated documents) through Django's named storage
`private` (settings.STORAGES): a directory outside the web root by default, an S3-compatible bucket when
UNIONHUB_S3_BUCKET is set. What is stored is already encrypted by the caller; the storage only keeps bytes."""

import os

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, storages


class PrivateFileSystemStorage(FileSystemStorage):
    """FileSystemStorage under settings.PRIVATE_MEDIA_ROOT, read at each use (a changed setting is followed), never
    served: base_url is empty and url() is refused."""

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise NotImplementedError("private files are served by views that check scope")


def private_storage():
    return storages["private"]


def private_write(name: str, data: bytes) -> str:
    """Store data under exactly this name (names are random, a collision is an error, not a rename)."""
    saved = private_storage().save(name, ContentFile(data))
    if saved != name:
        private_storage().delete(saved)
        raise FileExistsError(name)
    return saved


def private_read(name: str) -> bytes:
    with private_storage().open(name, "rb") as handle:
        return handle.read()


def private_exists(name: str) -> bool:
    return private_storage().exists(name)


def private_delete(name: str) -> None:
    private_storage().delete(name)  # a missing file is no error, on disk or in the bucket
