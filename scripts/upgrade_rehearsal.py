"""Upgrade rehearsal: a database at the schema of an earlier commit, with the demo city, migrated by this tree.

1. `git worktree add` of the base commit (default e0b83cb, the last one before the apps were regrouped) into /tmp;
2. a fresh PostgreSQL database migrated by that code, and its `demo_city`;
3. a snapshot: the row count of every table, a sample of decrypted personal data, the content types and
   permissions of every model;
4. `migrate` with this tree's code, the same snapshot again (read through this tree's models);
5. every count and every sampled value must be unchanged; models that changed app keep their content type (same
   id, new app label) and so their permissions and admin history.

Run it with `make upgrade-rehearsal` (REHEARSAL_BASE, REHEARSAL_DB and REHEARSAL_PG override the defaults).
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = os.environ.get("REHEARSAL_BASE", "e0b83cb")
DB = os.environ.get("REHEARSAL_DB", "unionhub_rehearsal")
PG = os.environ.get("REHEARSAL_PG", "postgres://postgres@127.0.0.1:5432")
PYTHON = sys.executable
# Models that moved to another app in the regrouping: (old app, model) -> new app.
MOVED = {
    ("unionhub", "outboxmessage"): "notifications",
    ("applications", "transitionrecord"): "casework",
    ("applications", "workdayoverride"): "casework",
    ("transfers", "unionformationcase"): "formation",
    ("members", "importjob"): "datawork",
    ("members", "unionreview"): "datawork",
    ("members", "statisticspage"): "datawork",
}
# Tables whose rows migrations rewrite by design: the migration log, and the staff-role tables that
# members.0007_staff_roles rebuilds (the roles, as groups, replace the one union_staff group and raw permissions).
CHANGING_TABLES = {
    "django_migrations",
    "auth_group",
    "auth_group_permissions",
    "members_user_groups",
    "members_user_user_permissions",
    # content types and permissions are compared row by row below (new models of later features add rows)
    "django_content_type",
    "auth_permission",
}

SNAPSHOT = r"""
import json
from django.db import connection
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from members.models import Person

tables = sorted(connection.introspection.table_names())
counts = {}
with connection.cursor() as cursor:
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
people = [
    {"pk": p.pk, "name": p.name, "id_number": p.id_number, "phone": p.phone, "address": getattr(p, "address", "")}
    for p in Person.objects.order_by("pk")[:200]
]
content_types = {f"{ct.app_label}.{ct.model}": ct.pk for ct in ContentType.objects.all()}
permissions = sorted(
    [p.pk, p.content_type_id, p.codename] for p in Permission.objects.all()
)
print("SNAPSHOT" + json.dumps({"counts": counts, "people": people, "content_types": content_types,
                               "permissions": permissions}, ensure_ascii=False))
"""


def env_for(database: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "UNIONHUB_", "DATABASE_", "REDIS_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "unionhub.settings.local",
            "DATABASE_URL": f"{PG}/{database}",
            # Fixed keys for the rehearsal only: both trees must read the same ciphertexts.
            "DJANGO_SECRET_KEY": "rehearsal-only-" + "x" * 50,
            "UNIONHUB_FIELD_KEYS": "pJqS1bW7rQ7bm6l6s0l3aH8o7y3a6f8nB2v4c1x9z0E=",
            "UNIONHUB_HASH_KEY": "rehearsal-hash-key",
            "PAYMENT_SANDBOX_SECRET": "rehearsal-sandbox",
        }
    )
    return env


def run(args, *, cwd, env=None, capture=False):
    print("$", " ".join(args), f"(in {cwd})", flush=True)
    result = subprocess.run(args, cwd=cwd, env=env, text=True, capture_output=capture, timeout=1800)  # noqa: S603 - our own commands
    if result.returncode != 0:
        if capture:
            print(result.stdout[-4000:], result.stderr[-4000:])
        sys.exit(f"FAILED: {' '.join(args)}")
    return result.stdout if capture else ""


def snapshot(tree: Path, env: dict) -> dict:
    out = run([PYTHON, "manage.py", "shell", "-c", SNAPSHOT], cwd=tree, env=env, capture=True)
    line = next(line for line in out.splitlines() if line.startswith("SNAPSHOT"))
    return json.loads(line[len("SNAPSHOT") :])


def psql(sql: str) -> None:
    run(["psql", f"{PG}/postgres", "-qc", sql], cwd=ROOT)


def main() -> int:
    base_tree = Path(tempfile.gettempdir()) / f"unionhub-rehearsal-{BASE}"
    if not base_tree.exists():
        run(["git", "worktree", "add", "--detach", str(base_tree), BASE], cwd=ROOT)
    env = env_for(DB)
    psql(f'DROP DATABASE IF EXISTS "{DB}"')
    psql(f'CREATE DATABASE "{DB}"')
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=base_tree, env=env)
    run([PYTHON, "manage.py", "demo_city"], cwd=base_tree, env=env, capture=True)
    before = snapshot(base_tree, env)
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v1"], cwd=ROOT, env=env)
    after = snapshot(ROOT, env)

    problems = []
    for table, count in before["counts"].items():
        if table in CHANGING_TABLES:
            continue
        if table not in after["counts"]:
            problems.append(f"table {table} is gone")
        elif after["counts"][table] != count:
            problems.append(f"table {table}: {count} rows before, {after['counts'][table]} after")
    new_tables = sorted(
        set(after["counts"]) - set(before["counts"])
    )  # tables of features added since the base
    if before["people"] != after["people"]:
        problems.append("decrypted personal data differ")
    if not before["people"]:
        problems.append("the demo city holds no people: nothing was compared")
    for key, pk in before["content_types"].items():
        app, model = key.split(".")
        new_key = f"{MOVED[(app, model)]}.{model}" if (app, model) in MOVED else key
        if after["content_types"].get(new_key) != pk:
            problems.append(f"content type {key} (id {pk}) is not {new_key} with the same id")
    after_permissions = {pk: (ct, codename) for pk, ct, codename in after["permissions"]}
    for pk, ct, codename in before["permissions"]:
        if after_permissions.get(pk) != (ct, codename):
            problems.append(f"permission {codename} (id {pk}) changed or is gone")

    tables = len(before["counts"])
    rows = sum(before["counts"].values())
    if new_tables:
        print("New tables of features added since the base: " + ", ".join(new_tables))
    print(
        f"\nCompared {tables} tables ({rows} rows), {len(before['people'])} people decrypted, "
        f"{len(before['content_types'])} content types, {len(before['permissions'])} permissions."
    )
    if problems:
        print("UPGRADE REHEARSAL FAILED:\n  " + "\n  ".join(problems))
        return 1
    print(f"UPGRADE REHEARSAL PASSED: {BASE} → this tree, every row count and sampled value unchanged.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
