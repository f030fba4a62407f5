# syntax=docker/dockerfile:1
# One image for every Python service; docker-compose.yml picks the command per service
# (python -m upload api, python -m catalog consume, ...).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH=/app/.venv/bin:$PATH

# uv from its PyPI package.
RUN pip install --no-cache-dir uv

WORKDIR /app

# Third-party dependencies first: this layer is rebuilt only when the lock changes.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace

# Then the workspace's own packages (libs/ and services/).
COPY libs ./libs
COPY services ./services
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev

# Files (uploads, error reports) live here; Compose mounts a shared volume on it.
ENV STORAGE_DIR=/var/lib/product-importer/storage
RUN mkdir -p "$STORAGE_DIR"

EXPOSE 8001 8002 8003 8004 8005 8006 9001 9002 9003 9004 9005 9006
CMD ["python", "-m", "upload", "api"]
