# syntax=docker/dockerfile:1
# UnionHub image: web (gunicorn.conf.py), Celery workers and beat, the one-shot migrate and collectstatic.
# Dependencies come from requirements/lock.txt (pip-compile --generate-hashes) and are checked against its hashes.

FROM python:3.11-slim-bookworm AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
# gettext: msgfmt for compilemessages (build stage only)
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
# Locked dependencies first (a layer that changes only with the lock), every file checked against its hash.
COPY requirements/lock.txt requirements/lock.txt
RUN pip install --require-hashes --no-deps -r requirements/lock.txt
# Then the project itself, installed (not editable) without touching the locked set.
COPY . .
RUN pip install --no-deps . \
 && pip check
# A message catalogue that does not compile fails the build (test settings: fixed, non-secret keys, nothing
# generated into var/ that could end up in the image).
RUN DJANGO_SETTINGS_MODULE=unionhub.settings.test python manage.py compilemessages -v1 \
 && find locale -name '*.mo' | grep -q . \
 && test ! -e var/dev-keys.json
# Static files with the production storage (hashed names, compressed); throwaway values, not kept in the image.
RUN DJANGO_SETTINGS_MODULE=unionhub.settings.production \
    DJANGO_SECRET_KEY=build-only-collectstatic-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    UNIONHUB_FIELD_KEYS=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    UNIONHUB_HASH_KEY=build-only DATABASE_URL=postgres://build@127.0.0.1:1/build REDIS_URL=redis://127.0.0.1:1/0 \
    UNIONHUB_ALLOW_SANDBOX_PAYMENTS=true \
    python manage.py collectstatic --noinput -v0

FROM python:3.11-slim-bookworm
# Runtime only: the CJK font the PDFs embed. No compiler, no gettext, no pip cache.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin unionhub
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=unionhub.settings.production \
    GUNICORN_BIND=0.0.0.0:8000 \
    HEALTHCHECK_URL=http://127.0.0.1:8000
COPY --from=builder /opt/venv /opt/venv
# Code and static files belong to root and are read-only to the service user; only var/ is writable.
COPY --from=builder /app /app
WORKDIR /app
RUN mkdir -p var/private var/prometheus \
 && chown -R unionhub:unionhub var/private var/prometheus var/staticfiles
USER unionhub
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=10s --start-period=60s --retries=3 \
  CMD ["python", "scripts/healthcheck.py", "live"]
CMD ["gunicorn", "--config", "gunicorn.conf.py"]
