import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_file_is_valid_yaml_and_probes_readiness():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web = compose["services"]["web"]
    assert web["healthcheck"]["test"] == ["CMD", "python", "scripts/healthcheck.py", "ready"]
    for name, service in compose["services"].items():
        if name != "beat":
            assert "healthcheck" in service, name
    assert "inspect ping" in " ".join(compose["services"]["worker"]["healthcheck"]["test"])


def _probe(url: str, which: str) -> int:
    environ = dict(os.environ, HEALTHCHECK_URL=url, DJANGO_ALLOWED_HOSTS="localhost,127.0.0.1")
    return subprocess.run(
        [sys.executable, "scripts/healthcheck.py", which],
        cwd=ROOT,
        env=environ,
        timeout=60,
        capture_output=True,
    ).returncode


@pytest.mark.django_db(transaction=True)
def test_the_healthcheck_script_follows_the_readiness_page(live_server, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    assert _probe(live_server.url, "live") == 0
    assert _probe(live_server.url, "ready") == 0
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "missing" / "file"
    (tmp_path / "missing").write_text("a file where a directory should be")
    assert _probe(live_server.url, "ready") == 1
    assert _probe(live_server.url, "live") == 0
    assert _probe("http://127.0.0.1:1", "live") == 1
