# Multi-stage image: build a wheel-ready virtualenv, then run as a non-root user.
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml requirements.lock README.md ./
COPY app ./app
COPY spatial ./spatial
RUN pip install --no-cache-dir -c requirements.lock .

FROM python:3.11-slim-bookworm
RUN useradd --create-home --uid 10001 sitereg
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/sitereg
COPY alembic.ini ./
COPY migrations ./migrations
COPY data ./data
COPY app ./app
COPY spatial ./spatial
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 SITEREG_HOST=0.0.0.0 SITEREG_PORT=8000
USER sitereg
EXPOSE 8000
# DATABASE_URL must point at a PostGIS server (see docker-compose.yml).
CMD ["sh", "-c", "sitereg db upgrade && sitereg load-demo && sitereg serve"]
