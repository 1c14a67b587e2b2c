FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-microhei gettext && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml ./
COPY . .
RUN pip install --no-cache-dir -e . && python manage.py compilemessages -v0 || true
RUN useradd -r unionhub && mkdir -p var/private && chown -R unionhub var
USER unionhub
EXPOSE 8000
