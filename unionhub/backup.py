"""Backups: the database as a pg_dump custom-format archive plus the private files directory, in one timestamped
folder; and the way back, into a database named by the operator. Used by `manage.py backup` / `manage.py restore`
(`make backup` / `make restore`)."""

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess  # noqa: S404 - pg_dump/pg_restore with argument lists, never a shell
import tarfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

DUMP = "database.dump"
FILES = "private-files.tar.gz"
MANIFEST = "manifest.json"


def _pg_args(url: str) -> tuple[list[str], dict[str, str], str]:
    """Connection arguments for the PostgreSQL client tools; the password goes in PGPASSWORD, never argv."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql"):
        raise ValueError("backup and restore need a PostgreSQL DATABASE_URL")
    args = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    if parts.username:
        args += ["-U", unquote(parts.username)]
    environ = dict(os.environ)
    if parts.password:
        environ["PGPASSWORD"] = unquote(parts.password)
    return args, environ, unquote(parts.path.lstrip("/"))


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise FileNotFoundError(f"{name} not found: install the PostgreSQL client tools")
    return path


def url_from_settings(db: dict) -> str:
    from urllib.parse import quote

    auth = quote(db.get("USER") or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backup(*, database_url: str, private_root: Path, out_dir: Path, now: dt.datetime | None = None) -> Path:
    now = now or dt.datetime.now(dt.UTC)
    folder = Path(out_dir) / now.strftime("%Y%m%dT%H%M%SZ")
    folder.mkdir(parents=True, exist_ok=False)
    folder.chmod(0o700)  # personal data, even if encrypted
    args, environ, name = _pg_args(database_url)
    subprocess.run(  # noqa: S603
        [
            _tool("pg_dump"),
            *args,
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "-f",
            str(folder / DUMP),
            name,
        ],
        env=environ,
        check=True,
    )
    private_root = Path(private_root)
    with tarfile.open(folder / FILES, "w:gz") as tar:
        if private_root.is_dir():
            tar.add(private_root, arcname=".")
    manifest = {
        "created_at": now.isoformat(),
        "database": name,
        "files": {DUMP: _sha256(folder / DUMP), FILES: _sha256(folder / FILES)},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return folder


def restore(*, folder: Path, database_url: str, private_root: Path | None, create: bool = False) -> None:
    """Into the database of `database_url` (created first with `create`); refuses a folder whose checksums differ."""
    folder = Path(folder)
    manifest = json.loads((folder / MANIFEST).read_text())
    for filename, checksum in manifest["files"].items():
        if _sha256(folder / filename) != checksum:
            raise ValueError(f"{filename} does not match its checksum: the backup is damaged")
    args, environ, name = _pg_args(database_url)
    if create:
        subprocess.run([_tool("createdb"), *args, name], env=environ, check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [
            _tool("pg_restore"),
            *args,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "-d",
            name,
            str(folder / DUMP),
        ],
        env=environ,
        check=True,
    )
    if private_root is not None:
        private_root = Path(private_root)
        private_root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(folder / FILES, "r:gz") as tar:
            tar.extractall(private_root, filter="data")


def remove(folder: Path) -> None:
    shutil.rmtree(folder)
