"""gunicorn.conf.py: the benchmark's worker class and counts by default, every value from the environment."""

import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_defaults_are_what_the_benchmark_measures(monkeypatch):
    for name in ("GUNICORN_WORKER_CLASS", "GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_BIND"):
        monkeypatch.delenv(name, raising=False)
    conf = runpy.run_path(str(CONF))
    assert (conf["worker_class"], conf["workers"], conf["threads"]) == ("gthread", 2, 4)
    assert conf["bind"] == ["127.0.0.1:8000"]
    assert (
        "%(U)s" in conf["access_log_format"] and "%(r)s" not in conf["access_log_format"]
    )  # no query string
    assert conf["logger_class"] == "unionhub.gunicorn_logging.GunicornLogger"
    assert conf["control_socket_disable"] is True


def test_the_environment_overrides(monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "6")
    monkeypatch.setenv("GUNICORN_THREADS", "8")
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:8000")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "60")
    conf = runpy.run_path(str(CONF))
    assert (conf["workers"], conf["threads"], conf["bind"], conf["timeout"]) == (6, 8, ["0.0.0.0:8000"], 60)
