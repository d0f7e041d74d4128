"""Alembic environment: the URL comes from Settings, or from a connection passed by the caller."""

from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import Connection, create_engine, pool

import app.models
from app.settings import get_settings

config = context.config
target_metadata = app.models.Base.metadata

# Tables PostGIS and its extensions own; never part of our schema.
_FOREIGN_TABLES = {"spatial_ref_sys", "layer", "topology"}


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:  # noqa: E501 (Alembic's hook signature)
    if type_ == "table" and name in _FOREIGN_TABLES:
        return False
    # History twins are built by the database from their live tables (migration 0020).
    if type_ == "table" and name and name.endswith("_versions") and reflected:
        return False
    return bool(alembic_helpers.include_object(obj, name, type_, reflected, compare_to))


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        compare_type=True,
    )


def _database_url() -> str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if url:
        return str(url)
    # The schema owner migrates (`sitereg db upgrade` passes its URL as the "url" attribute).
    settings = get_settings()
    url = settings.migration_database_url or settings.database_url
    if not url:
        raise RuntimeError(
            "no database to migrate: run `sitereg db upgrade`, or set "
            "SITEREG_MIGRATION_DATABASE_URL or DATABASE_URL"
        )
    return url


def run_migrations_offline() -> None:
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_database_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
