import socket

import pytest

from tests.dues.conftest import april, dues_rates, make_member  # noqa: F401  (fixtures of the dues tests)


def closed_port() -> int:
    """A loopback port nothing listens on: connections to it are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    """The cache and the sessions cache pointed at a Redis that is not there (the production backend)."""
    url = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "unionhub.lib.cache.FailoverRedisCache",
            "LOCATION": url,
            "OPTIONS": {"fallback": "local"},
        },
        "sessions": {
            "BACKEND": "unionhub.lib.cache.FailoverRedisCache",
            "LOCATION": url,
            "OPTIONS": {"fallback": "miss"},
        },
    }
    settings.SESSION_ENGINE = "unionhub.lib.sessions"
    return url


@pytest.fixture
def broker_down():
    """Celery publishing for real (not eagerly) to a broker that is not there."""
    from unionhub.celery import app

    saved = {k: app.conf[k] for k in ("task_always_eager", "broker_url")}
    app.conf.task_always_eager = False
    app.conf.broker_url = f"redis://127.0.0.1:{closed_port()}/0"
    app._pool = None
    yield app
    app.conf.update(saved)
    app._pool = None


class OwnRedis:
    """A redis-server of the test's own on a free loopback port, with an append-only file so what it held
    survives a stop and start (as a production Redis with persistence does)."""

    def __init__(self, directory):
        self.port = closed_port()
        self.dir = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        import subprocess
        import time

        import redis

        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.dir),
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                redis.Redis(port=self.port).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def client(self):
        import redis

        return redis.Redis(port=self.port)


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()
