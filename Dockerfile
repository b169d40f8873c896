# syntax=docker/dockerfile:1
# One image for every Python service of docker-compose.yml: code server, webserver, daemon, migrations, sandbox.
# Dependencies come from uv.lock only (`uv sync --frozen`): the image holds exactly what CI tested.

ARG PYTHON_IMAGE=python:3.11.11-slim-bookworm

# uv pinned to the version that wrote uv.lock (lock revision 5).
FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv
WORKDIR /src
# Dependencies first (cached layer while only our code changes), then the project itself, non-editable so the
# virtualenv does not point back into /src.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project
COPY README.md ./
COPY sql ./sql
COPY linky_pipeline ./linky_pipeline
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable

FROM ${PYTHON_IMAGE}
ARG APP_UID=10001
RUN groupadd --system --gid ${APP_UID} linky \
    && useradd --system --uid ${APP_UID} --gid linky --home-dir /opt/dagster --no-create-home \
       --shell /usr/sbin/nologin linky \
    && mkdir -p /opt/dagster/home /opt/dagster/storage/compute_logs \
    && chown -R linky:linky /opt/dagster/storage
COPY --from=build /opt/venv /opt/venv
COPY dagster.yaml workspace.yaml /opt/dagster/home/
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DAGSTER_HOME=/opt/dagster/home \
    DAGSTER_STORAGE_DIR=/opt/dagster/storage \
    DAGSTER_COMPUTE_LOGS_DIR=/opt/dagster/storage/compute_logs
WORKDIR /opt/dagster
USER linky
EXPOSE 4000
# Default role: the code server. docker-compose.yml overrides the command for the other services.
CMD ["dagster", "code-server", "start", "-m", "linky_pipeline.definitions", "-h", "0.0.0.0", "-p", "4000", \
     "--location-name", "linky_pipeline"]
