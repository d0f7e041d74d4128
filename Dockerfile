# Multi-stage image: map libraries from the npm registry, a virtualenv with the pinned Python
# dependencies, then a slim runtime that runs as a non-root user.
FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
COPY scripts/vendor-assets.sh scripts/
RUN bash scripts/vendor-assets.sh

FROM python:3.11-slim-bookworm AS build
WORKDIR /srv/sitereg
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

FROM python:3.11-slim-bookworm
RUN useradd --create-home --uid 10001 sitereg
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/sitereg
COPY pyproject.toml alembic.ini README.md ./
COPY migrations ./migrations
COPY data ./data
COPY app ./app
COPY spatial ./spatial
COPY static ./static
COPY --from=assets /src/static/vendor ./static/vendor
# The code runs from the source tree (templates, SQL files and static assets beside it).
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/srv/sitereg PYTHONUNBUFFERED=1 \
    SITEREG_HOST=0.0.0.0 SITEREG_PORT=8000
USER sitereg
EXPOSE 8000
# DATABASE_URL must point at a PostGIS server (see docker-compose.yml).
CMD ["sh", "-c", "python -m app.cli db upgrade && python -m app.cli load-demo && python -m app.cli serve"]
