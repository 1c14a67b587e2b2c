import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


ENV = {"POSTGRES_PASSWORD": "pg-secret", "MINIO_ROOT_PASSWORD": "minio-secret", "FLOWER_BASIC_AUTH": "ops:pw"}
ONE_SHOT = {"migrate", "collectstatic", "minio-init"}


def _interpolate(text: str, env: dict) -> str:
    """Compose's variable interpolation: ${NAME}, ${NAME:-default}, ${NAME:?error}; $$ is a literal $."""

    def value(match):
        name, op, arg = match.group(1), match.group(2), match.group(3) or ""
        if env.get(name):
            return env[name]
        if op == ":?":
            raise KeyError(f"{name}: {arg}")
        return arg if op == ":-" else ""

    text = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:-|:\?)([^}]*))?\}", value, text.replace("$$", "\0"))
    return text.replace("\0", "$")


def _compose(env=ENV) -> dict:
    return yaml.safe_load(_interpolate((ROOT / "docker-compose.yml").read_text(), env))


def test_compose_file_validates_against_the_compose_specification():
    """`docker compose config` needs the compose plugin; the same check against the Compose Specification's
    JSON schema (deploy/compose-spec.json, from compose-spec/compose-spec) after the same interpolation."""
    schema = json.loads((ROOT / "deploy" / "compose-spec.json").read_text())
    jsonschema.Draft7Validator(schema).validate(_compose())
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):
        _compose({})  # a missing secret stops the deployment instead of an empty password


def _docker_compose_config(tmp_path, env: dict, *, compose_text: str | None = None):
    """Docker Compose itself (`docker-compose config`, from Debian's docker-compose package, which needs no
    engine for this) on a copy of the deployment files with `.env` made from `.env.example`."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name in ("Dockerfile", "docker-compose.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "deploy", tmp_path / "deploy")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    if compose_text is not None:
        (tmp_path / "docker-compose.yml").write_text(compose_text)
    environ = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")} | env
    return subprocess.run(
        ["docker-compose", "config"], cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=120
    )


@pytest.mark.skipif(
    not shutil.which("docker-compose"), reason="docker-compose (make system-deps installs it)"
)
def test_docker_compose_config_validates(tmp_path):
    result = _docker_compose_config(tmp_path, ENV)
    assert result.returncode == 0, result.stderr
    rendered = yaml.safe_load(result.stdout)
    assert set(rendered["services"]) == set(_compose()["services"])
    assert rendered["services"]["pgbouncer"]["environment"]["POOL_MODE"] == "transaction"
    # a missing secret stops the deployment; a misspelt key is refused by Compose's own schema
    missing = _docker_compose_config(
        tmp_path / "a", {k: v for k, v in ENV.items() if k != "POSTGRES_PASSWORD"}
    )
    assert missing.returncode != 0 and "POSTGRES_PASSWORD" in missing.stderr
    text = (ROOT / "docker-compose.yml").read_text().replace("healthcheck:", "healthchek:", 1)
    misspelt = _docker_compose_config(tmp_path / "b", ENV, compose_text=text)
    assert misspelt.returncode != 0 and "healthchek" in misspelt.stderr


def test_compose_topology():
    services = _compose()["services"]
    web = services["web"]
    assert web["healthcheck"]["test"] == ["CMD", "python", "scripts/healthcheck.py", "ready"]
    assert "ports" not in web  # only the TLS proxy is published
    assert set(services["proxy"]["ports"]) >= {"80:80", "443:443"}
    assert web["command"] == ["gunicorn", "--config", "gunicorn.conf.py"]
    for one_shot in ("migrate", "collectstatic"):
        assert web["depends_on"][one_shot] == {"condition": "service_completed_successfully"}
        assert "migrate" not in " ".join(web["command"])
    for name, service in services.items():
        assert service.get("restart"), name
        if name in ONE_SHOT:
            assert service["healthcheck"] == {"disable": True}, name
        else:
            assert service["healthcheck"]["test"], name
    for queue in ("default", "messages", "heavy"):
        command = services[f"worker-{queue}"]["command"]
        assert queue in command[command.index("-Q") + 1].split(","), queue
        assert "inspect ping" in " ".join(services[f"worker-{queue}"]["healthcheck"]["test"])
    # web and workers through PgBouncer in transaction pooling; migrations straight to PostgreSQL
    assert "@pgbouncer:6432/" in web["environment"]["DATABASE_URL"]
    assert "@pgbouncer:6432/" in services["worker-default"]["environment"]["DATABASE_URL"]
    assert "@postgres:5432/" in services["migrate"]["environment"]["DATABASE_URL"]
    assert services["pgbouncer"]["environment"]["POOL_MODE"] == "transaction"
    redis = {web["environment"][k] for k in ("CELERY_BROKER_URL", "CACHE_REDIS_URL", "SESSION_REDIS_URL")}
    assert len(redis) == 3  # broker, cache and sessions in separate databases
    assert web["environment"]["UNIONHUB_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert services["flower"]["environment"]["FLOWER_BASIC_AUTH"] == "ops:pw"
    assert "ports" not in services["flower"]


def test_the_image_is_built_from_the_lock_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.count("\nFROM ") + dockerfile.startswith("FROM ") >= 2  # builder and runtime stages
    assert "--require-hashes" in dockerfile and "-r requirements/lock.txt" in dockerfile
    assert "|| true" not in dockerfile and "pip install -e" not in dockerfile
    runtime = dockerfile.rsplit("\nFROM ", 1)[1]
    installed = " ".join(line for line in runtime.splitlines() if "apt-get install" in line)
    assert "fonts-wqy-microhei" in installed
    assert not {"gettext", "build-essential", "gcc"} & set(installed.split())
    assert re.search(r"^USER (?!root)\w+", runtime, re.M)
    assert "HEALTHCHECK" in runtime and "scripts/healthcheck.py" in runtime
    lock = (ROOT / "requirements" / "lock.txt").read_text()
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==\S+ \\$", lock, re.M)
    assert {"django", "gunicorn", "django-storages", "boto3", "flower"} <= {p.lower() for p in pins}
    assert lock.count("--hash=sha256:") >= len(pins)


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
