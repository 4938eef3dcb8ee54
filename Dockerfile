# syntax=docker/dockerfile:1
# Build: docker build -t newsroom .
# Run it behind the proxy, as deploy/compose.yaml does (never publish port 8000 to the world:
# the proxy is what terminates TLS and sets the forwarded headers the app trusts).

FROM python:3.12-slim-bookworm AS build
WORKDIR /app
# Exactly the versions (and hashes) in requirements.lock: the same build on any day.
COPY requirements.lock ./
RUN python -m venv /venv \
    && /venv/bin/pip install --no-cache-dir --disable-pip-version-check --require-hashes \
       -r requirements.lock
COPY . .
# Static files are collected into the image, hashed and compressed by WhiteNoise.
RUN SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
    /venv/bin/python manage.py collectstatic --no-input -v0 \
    && rm -rf build ./*.egg-info

FROM python:3.12-slim-bookworm
ENV PATH="/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=8000 \
    GUNICORN_TMP_DIR=/dev/shm
RUN groupadd --system --gid 10001 newsroom \
    && useradd --system --uid 10001 --gid newsroom --home-dir /app --no-create-home newsroom
WORKDIR /app
COPY --from=build /venv /venv
COPY --from=build --chown=10001:10001 /app /app
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/app/bin/healthcheck"]
ENTRYPOINT ["/app/bin/entrypoint"]
