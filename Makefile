# UnionHub: `make demo` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000


.PHONY: compose-config demo test install install-test system-deps contract-tools contract contract-snapshot migrate serve worker bench lint messages clean fault-rehearsal upgrade-rehearsal backup restore prune prod-local prod-local-packages prod-local-stop prod-local-status prod-smoke prod-local-smoke lock

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install -q -e ".[test]"
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

# The pinned openapi-typescript and typescript of the API contract check (npm ci, from package-lock.json).
contract-tools:
	@command -v npm >/dev/null || { echo "Please install Node.js with npm (the API contract check needs it)"; exit 1; }
	@[ -x tools/contract/node_modules/.bin/openapi-typescript ] || npm ci --prefix tools/contract --no-audit --no-fund

# The API contract: error answers typed in the generated TypeScript client, nothing removed from the snapshot.
contract: install-test contract-tools
	DJANGO_SETTINGS_MODULE=unionhub.settings.test $(PY) manage.py api_contract --out var/contract

# Accept the current contract on purpose (after a deliberate change): rewrite tools/contract/snapshot.json.
contract-snapshot: install-test
	DJANGO_SETTINGS_MODULE=unionhub.settings.test $(PY) manage.py api_contract --refresh

# Debian packages: the CJK font embedded in the PDFs, and chromium for the browser tests.
system-deps:
	@# docker-compose: Compose itself checks docker-compose.yml (`make compose-config`; needs no engine);
	@# wrk: the load of the benchmark's tests (tests/bench)
	@if [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || ! command -v chromium >/dev/null || ! command -v docker-compose >/dev/null || ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-wqy-microhei chromium docker-compose wrk >/dev/null; \
	  else echo "Please install the Debian packages fonts-wqy-microhei, chromium, docker-compose and wrk"; fi; fi

compose-config: system-deps
	@# what `docker compose config` checks, with the deployment's required secrets given placeholder values
	@d=$$(mktemp -d) && cp Dockerfile docker-compose.yml $$d/ && cp -r deploy $$d/ && cp .env.example $$d/.env && \
	  (cd $$d && POSTGRES_PASSWORD=check MINIO_ROOT_PASSWORD=check FLOWER_BASIC_AUTH=check:check docker-compose config -q) && \
	  echo "docker-compose.yml: valid" ; rc=$$?; rm -rf $$d; exit $$rc

migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py compilemessages -v0 2>/dev/null || true

demo: install system-deps migrate
	$(PY) manage.py demo_city --if-empty
	@if [ -n "$$REDIS_URL" ]; then \
	  echo "Starting a Celery worker and beat (REDIS_URL is set)"; \
	  $(VENV)/bin/celery -A unionhub worker -B -Q default,messages,heavy -l warning --concurrency 2 & \
	fi
	@# Card QR links point at the address the demo is served on (on 0.0.0.0: the host each request came to).
	@if [ "$(HOST)" != 0.0.0.0 ]; then export UNIONHUB_SITE_URL="$${UNIONHUB_SITE_URL:-http://$(HOST):$(PORT)}"; fi; \
	  $(PY) manage.py runserver $(HOST):$(PORT)

test: install-test system-deps contract-tools
	@# axe-core for the accessibility checks of the browser tests (pinned in tools/a11y/package-lock.json)
	@[ -f tools/a11y/node_modules/axe-core/axe.min.js ] || npm ci --prefix tools/a11y --no-audit --no-fund
	$(PY) manage.py compilemessages -v0 2>/dev/null || true
	DJANGO_SETTINGS_MODULE=unionhub.settings.test $(PY) manage.py check --fail-level ERROR
	DJANGO_SETTINGS_MODULE=unionhub.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=unionhub.settings.test $(VENV)/bin/pytest

# A fresh PostgreSQL database of its own (never the dev or test one), a generated city, then the measurements.
BENCH_MEMBERS ?= 1000000
BENCH_DB ?= unionhub_bench
BENCH_PG ?= postgres://postgres@127.0.0.1:5432
bench: install-test
	@command -v wrk >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "Please install the Debian package wrk"; exit 1; fi; }
	psql "$(BENCH_PG)/postgres" -qc 'DROP DATABASE IF EXISTS $(BENCH_DB)' -c 'CREATE DATABASE $(BENCH_DB)'
	DATABASE_URL=$(BENCH_PG)/$(BENCH_DB) $(PY) manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_PG)/$(BENCH_DB) $(PY) manage.py bench_city --members $(BENCH_MEMBERS)
	DATABASE_URL=$(BENCH_PG)/$(BENCH_DB) $(PY) manage.py bench_run

# The production topology from local processes (README § Deployment, "Rehearsed here"): nginx (TLS, self-signed)
# → gunicorn (gunicorn.conf.py, production settings) → PgBouncer (transaction pooling) → PostgreSQL; Celery
# workers per queue and beat on Redis. Pids, logs and configuration under var/prod-local/.
PRODLOCAL_URL ?= https://localhost:8443
prod-local: prod-local-packages install-test
	$(PY) scripts/prod_local.py start

prod-local-packages:
	@command -v pgbouncer >/dev/null && command -v nginx >/dev/null || { if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer nginx >/dev/null; \
	  else echo "Please install the Debian packages pgbouncer and nginx"; exit 1; fi; }

prod-local-stop:
	$(PY) scripts/prod_local.py stop

prod-local-status:
	$(PY) scripts/prod_local.py status

# The smoke test against a running prod-local: readiness, API and browser through the proxy over HTTPS.
PROD_SMOKE = UNIONHUB_PRODLOCAL_URL=$(PRODLOCAL_URL) DJANGO_SETTINGS_MODULE=unionhub.settings.test \
  $(VENV)/bin/pytest tests/prodlocal -m prodlocal -q -p no:cacheprovider
prod-smoke: install-test
	$(PROD_SMOKE)

# Start, smoke, stop: everything started is stopped again, whether the smoke passes or not.
prod-local-smoke: prod-local-packages install-test
	@trap '$(PY) scripts/prod_local.py stop' EXIT INT TERM; \
	  $(PY) scripts/prod_local.py start && $(PROD_SMOKE)

# The hashed lock the image installs (pip-tools): after a change of pyproject.toml's dependencies.
lock:
	@[ -x var/lock-venv/bin/pip-compile ] || { $(PYTHON) -m venv var/lock-venv && var/lock-venv/bin/pip install -q pip-tools; }
	var/lock-venv/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	  --no-emit-find-links -o requirements/lock.txt pyproject.toml

# Its own PostgreSQL, Redis, gunicorn and worker; faults injected; a table of what was lost (not in CI).
fault-rehearsal: install-test
	$(PY) -m bench.fault_rehearsal

# ruff (lint rules and formatting) and import-linter (the layers of README § Architecture).
lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# A database at the schema of the pre-regrouping main (REHEARSAL_BASE) with the demo city, migrated by this tree:
# every table's row count, a sample of decrypted personal data, content types and permissions must be unchanged.
REHEARSAL_BASE ?= e0b83cb
REHEARSAL_DB ?= unionhub_rehearsal
upgrade-rehearsal: install-test
	REHEARSAL_BASE=$(REHEARSAL_BASE) REHEARSAL_DB=$(REHEARSAL_DB) REHEARSAL_PG=$(BENCH_PG) $(PY) scripts/upgrade_rehearsal.py

# Backups (README § Deployment and operations): pg_dump custom format plus the private files, in a timestamped
# folder under BACKUP_DIR; `make restore BACKUP=var/backups/<stamp> RESTORE_DATABASE_URL=postgres://…/newdb`
# (add RESTORE_CREATE=1 to create that database first).
BACKUP_DIR ?= var/backups
backup: install
	$(PY) manage.py backup --out $(BACKUP_DIR)

restore: install
	@test -n "$(BACKUP)" -a -n "$(RESTORE_DATABASE_URL)" || { echo "usage: make restore BACKUP=<folder> RESTORE_DATABASE_URL=<url> [RESTORE_CREATE=1]"; exit 2; }
	$(PY) manage.py restore $(BACKUP) --database-url $(RESTORE_DATABASE_URL) $(if $(RESTORE_CREATE),--create)

prune: install
	$(PY) manage.py prune_expired

messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=tests
	$(PY) manage.py compilemessages

clean:
	rm -rf $(VENV) var
