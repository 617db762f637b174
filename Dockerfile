# The modelctx API service (REST, OpenLineage endpoint, lineage explorer) for a team deployment.
# Built by docker-compose.yml; configured only by environment (MODELCTX_STORE, MODELCTX_HOME, ...).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    MODELCTX_HOME=/data

# git: the git ingestor and run capture read repositories through it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY modelctx ./modelctx
RUN pip install '.[all]'

RUN useradd --create-home --uid 10001 modelctx \
    && mkdir -p /data \
    && chown modelctx /data
USER modelctx
VOLUME /data
EXPOSE 8000

# Listening on all interfaces makes the API require tokens (create one with `modelctx token create`).
CMD ["modelctx", "serve", "--host", "0.0.0.0", "--port", "8000"]
