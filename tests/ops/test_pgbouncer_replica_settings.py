"""Behind PgBouncer in transaction pooling no server-side cursor is used; a replica URL adds the `replica` alias."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PROBE = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({"cursors": s.DATABASES["default"].get("DISABLE_SERVER_SIDE_CURSORS", False),
                  "aliases": sorted(s.DATABASES), "replica": s.UNIONHUB_READ_REPLICA}))
"""


def _settings_with(**env) -> dict:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("UNIONHUB_PGBOUNCER", "DATABASE_"))}
    base.update(
        DJANGO_SETTINGS_MODULE="unionhub.settings.local", DATABASE_URL="postgres://u@127.0.0.1/x", **env
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and settings
        [sys.executable, "-c", PROBE],
        env=base,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("env", "off"),
    [({}, False), ({"UNIONHUB_PGBOUNCER": "true"}, True), ({"DATABASE_POOL_MODE": "transaction"}, True)],
)
def test_server_side_cursors_are_off_behind_pgbouncer(env, off):
    assert _settings_with(**env)["cursors"] is off


def test_a_replica_url_adds_the_replica_alias():
    assert _settings_with()["aliases"] == ["default"]
    probed = _settings_with(DATABASE_REPLICA_URL="postgres://u@127.0.0.1/replica")
    assert probed["aliases"] == ["default", "replica"] and probed["replica"] is True


def test_no_queryset_iterator_is_left_in_the_project():
    """Large reads chunk by key (unionhub.lib.chunks): nothing depends on a server-side cursor."""
    root = Path(settings.BASE_DIR)
    found = []
    for path in root.glob("*/**/*.py"):
        parts = path.relative_to(root).parts
        if parts[0] in ("tests", "tools", "var", "node_modules") or parts[0].startswith("."):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\.iterator\(", line):
                found.append(f"{path.relative_to(root)}:{number}")
    assert found == []
