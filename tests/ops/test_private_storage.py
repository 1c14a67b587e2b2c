"""Private files through the named storage "private": the local directory by default, an S3-compatible bucket
when configured (django-storages' S3Storage and boto3, against moto's S3 server on loopback)."""

import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer
from PIL import Image

from applications import proofs
from datawork import imports
from unionhub.lib import storage

KEYS = {"access_key": "testing-key", "secret_key": "testing-secret"}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3(settings):
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=KEYS["access_key"],
        aws_secret_access_key=KEYS["secret_key"],
    )
    client.create_bucket(Bucket="unionhub-private")
    options = {
        "bucket_name": "unionhub-private",
        "endpoint_url": endpoint,  # the setting UNIONHUB_S3_ENDPOINT_URL
        "region_name": "us-east-1",
        "location": "city",
        "addressing_style": "path",
        "signature_version": "s3v4",
        "default_acl": None,
        **KEYS,
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }
    try:
        yield client
    finally:
        server.stop()


def test_the_private_storage_is_the_private_directory_by_default(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    clear = _png()
    name = proofs.proof_store(clear)
    on_disk = (tmp_path / "private" / "proofs" / name).read_bytes()
    assert on_disk != clear and clear not in on_disk  # encrypted at rest
    assert proofs.proof_load(name) == clear
    with pytest.raises(NotImplementedError):
        storage.private_storage().url(f"proofs/{name}")  # never a served address
    proofs.proof_delete(name)
    assert not (tmp_path / "private" / "proofs" / name).exists()


def test_a_proof_is_stored_encrypted_in_the_bucket_and_read_back(s3, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    clear = _png()
    name = proofs.proof_store(clear)
    obj = s3.get_object(Bucket="unionhub-private", Key=f"city/proofs/{name}")["Body"].read()
    assert obj and obj != clear and clear[8:] not in obj  # the bucket holds the ciphertext, not the image
    assert proofs.proof_load(name) == clear
    assert not (tmp_path / "private").exists()  # nothing went to the local disk
    proofs.proof_delete(name)
    listed = s3.list_objects_v2(Bucket="unionhub-private", Prefix="city/proofs/")
    assert listed.get("KeyCount", 0) == 0


def test_import_uploads_and_reports_go_to_the_bucket(s3, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    imports.stored_write("upload.csv.enc", "姓名,身份证号\n张三,110101199003074514\n".encode())
    obj = s3.get_object(Bucket="unionhub-private", Key="city/imports/upload.csv.enc")["Body"].read()
    assert b"110101199003074514" not in obj and "张三".encode() not in obj
    assert imports.stored_exists("upload.csv.enc")
    assert not imports.stored_exists("other.csv.enc")


def _settings_in_child(env: dict, expression: str) -> str:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("UNIONHUB_S3_")}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from django.conf import settings; print({expression})",
        ],
        cwd=Path(__file__).resolve().parents[2],
        env={**environ, "DJANGO_SETTINGS_MODULE": "unionhub.settings.test", **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()


def test_the_bucket_is_chosen_from_the_environment():
    assert _settings_in_child({}, "settings.STORAGES['private']['BACKEND']") == (
        "unionhub.lib.storage.PrivateFileSystemStorage"
    )
    chosen = _settings_in_child(
        {
            "UNIONHUB_S3_BUCKET": "city-files",
            "UNIONHUB_S3_ENDPOINT_URL": "http://minio:9000",
            "UNIONHUB_S3_ACCESS_KEY_ID": "id",
            "UNIONHUB_S3_SECRET_ACCESS_KEY": "secret",
        },
        "settings.STORAGES['private']",
    )
    assert "'storages.backends.s3.S3Storage'" in chosen
    for expected in (
        "'bucket_name': 'city-files'",
        "'endpoint_url': 'http://minio:9000'",
        "'default_acl': None",
    ):
        assert expected in chosen
