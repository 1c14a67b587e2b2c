"""Backup and restore rehearsed on PostgreSQL: a database with people in it is backed up, restored into a fresh
database, and compared table by table; the personal data decrypts to what was stored."""

import datetime as dt

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from members.models import Person
from tests.members import factories as f
from unionhub import backup
from unionhub.lib import crypto

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("backup and restore need PostgreSQL")


@pytest.fixture
def restore_url():
    source = backup.url_from_settings(settings.DATABASES["default"])
    admin = source.rsplit("/", 1)[0] + "/postgres"
    name = settings.DATABASES["default"]["NAME"] + "_restored"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    yield source.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _row_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608


def test_backup_then_restore_into_a_fresh_database(tmp_path, settings, restore_url, city):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    (settings.PRIVATE_MEDIA_ROOT / "proofs").mkdir(parents=True)
    (settings.PRIVATE_MEDIA_ROOT / "proofs" / "letter.png").write_bytes(b"\x89PNG proof")
    for n in range(5):
        f.member(city.branch, name=f"会员{n}", born=dt.date(1980 + n, 2, 3))
    sample = Person.objects.order_by("pk").last()

    call_command("backup", out=str(tmp_path / "backups"))
    [folder] = (tmp_path / "backups").iterdir()
    assert {p.name for p in folder.iterdir()} == {backup.DUMP, backup.FILES, backup.MANIFEST}

    restored_files = tmp_path / "restored-private"
    call_command(
        "restore", str(folder), database_url=restore_url, create=True, private_root=str(restored_files)
    )

    source = _row_counts(backup.url_from_settings(settings.DATABASES["default"]))
    assert source["members_person"] >= 5 and source["django_migrations"] > 0
    assert _row_counts(restore_url) == source
    with psycopg.connect(restore_url) as conn:
        id_cipher, phone_cipher, id_hash = conn.execute(
            "SELECT id_number, phone, id_number_hash FROM members_person WHERE id = %s", [sample.pk]
        ).fetchone()
    assert sample.id_number not in id_cipher  # stored encrypted ...
    assert crypto.decrypt(id_cipher) == sample.id_number and crypto.decrypt(phone_cipher) == sample.phone
    assert id_hash == crypto.keyed_hash(sample.id_number)  # ... and still found by its keyed hash
    assert (restored_files / "proofs" / "letter.png").read_bytes() == b"\x89PNG proof"


def test_a_damaged_backup_is_refused(tmp_path, settings, restore_url):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    folder = backup.backup(
        database_url=backup.url_from_settings(settings.DATABASES["default"]),
        private_root=settings.PRIVATE_MEDIA_ROOT,
        out_dir=tmp_path / "backups",
    )
    with (folder / backup.DUMP).open("ab") as fh:
        fh.write(b"junk")
    with pytest.raises(ValueError, match="damaged"):
        backup.restore(folder=folder, database_url=restore_url, private_root=None, create=True)
