# syntax=docker/dockerfile:1
# civic-supervisor: build wheels with compilers in one stage, run without them in the next.

FROM python:3.11-slim-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY supervisor ./supervisor
COPY proxy ./proxy
COPY workers ./workers
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
RUN groupadd --system --gid 1000 civic \
 && useradd --system --uid 1000 --gid civic --home-dir /nonexistent --shell /usr/sbin/nologin civic
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels civic-supervisor \
 && rm -rf /wheels
COPY config.yaml /etc/civic/config.yaml
ENV PYTHONUNBUFFERED=1 \
    METRICS_LISTEN=0.0.0.0:9464
USER civic
EXPOSE 9464
# The supervisor is PID 1: it handles SIGTERM/SIGINT itself and reaps orphaned processes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["civic-supervisor", "health", "-c", "/etc/civic/config.yaml"]
STOPSIGNAL SIGTERM
# Compatibility mode: CMD [..., "--only", "thumbnails"] or env CIVIC_ONLY=thumbnails
CMD ["civic-supervisor", "-c", "/etc/civic/config.yaml"]
