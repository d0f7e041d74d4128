"""``sitereg backup``, ``sitereg restore`` and the WAL-archive commands under ``sitereg db``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from app.settings import get_settings


def _progress(line: str) -> None:
    typer.echo(f"  {line}", err=True)


def backup(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="The backup file to write.")],
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing file.")
    ] = False,
) -> None:
    """Write a logical backup: the database, its history, its roles and its schema version."""
    from app.cli import _run, migration_database_url
    from app.services.backup import create_backup

    if file.exists() and not overwrite:
        typer.echo(f"error: {file} exists; give another name or --overwrite", err=True)
        raise typer.Exit(code=1)
    url = _run(lambda: migration_database_url(get_settings()))
    summary = _run(lambda: create_backup(url, file, _progress))
    typer.echo(
        f"backup {summary.path}: {summary.tables} tables, {summary.rows} rows, schema "
        f"{summary.revision}, roles {', '.join(summary.roles)}, {summary.size_bytes / 1e6:.1f} MB"
    )


def restore(
    file: Annotated[
        Path | None,
        typer.Argument(dir_okay=False, help="A file written by `sitereg backup`."),
    ] = None,
    database: Annotated[
        str | None,
        typer.Option(help="Restore into this database of the same server (default: the URL's)."),
    ] = None,
    pitr: Annotated[
        str | None,
        typer.Option(
            "--pitr",
            help="Instead of a file: recover the stopped embedded cluster to this time "
            "(ISO 8601 with zone) from a base backup and the WAL archive.",
        ),
    ] = None,
    base: Annotated[
        Path | None, typer.Option(help="With --pitr: this base backup (default: the newest fit).")
    ] = None,
) -> None:
    """Restore a backup file into an empty database, or recover the embedded cluster to a time."""
    if (file is None) == (pitr is None):
        typer.echo("error: give either a backup FILE or --pitr TIME", err=True)
        raise typer.Exit(code=1)
    if pitr is not None:
        _recover(pitr, base)
        return
    assert file is not None
    _restore_file(file, database)


def _restore_file(file: Path, database: str | None) -> None:
    from app.cli import _run, migration_database_url
    from app.services.backup_restore import restore_backup

    url = _run(lambda: migration_database_url(get_settings()))
    if database:
        url = make_url(url).set(database=database).render_as_string(hide_password=False)
    summary = _run(lambda: restore_backup(file, url, _progress))
    typer.echo(
        f"restored {summary.database}: {summary.tables} tables, {summary.rows} rows, "
        "every count as in the backup"
    )
    if summary.revision != summary.head:
        typer.echo(
            f"schema {summary.revision} is older than this sitereg's {summary.head}: "
            "run `sitereg db upgrade`"
        )


def _recover(when: str, base: Path | None) -> None:
    from app.cli import _cluster, _run
    from devcluster.pitr import recover

    target = _run(lambda: datetime.fromisoformat(when))
    cluster = _cluster(get_settings())
    replaced = _run(lambda: recover(cluster, target, base))
    typer.echo(
        f"recovered to {target.isoformat()}; the cluster runs; the replaced data folder "
        f"stays in {replaced} (delete it when satisfied)"
    )


def base_backup(
    keep: Annotated[
        int,
        typer.Option(help="Base backups to keep; older ones and the WAL only they need go."),
    ] = 2,
) -> None:
    """Copy the running embedded cluster for point-in-time recovery (pg_basebackup)."""
    from app.cli import _cluster, _run
    from devcluster.pitr import base_backup as take
    from devcluster.pitr import prune

    cluster = _cluster(get_settings())
    folder = _run(lambda: take(cluster))
    removed = _run(lambda: prune(cluster, keep))
    typer.echo(f"base backup in {folder}; {len(removed)} older removed, {keep} kept at most")


def enable_archiving() -> None:
    """Turn WAL archiving on in an existing embedded cluster (effective at its next start)."""
    from app.cli import _cluster, _run
    from devcluster.pitr import enable_archiving as enable

    cluster = _cluster(get_settings())
    _run(lambda: enable(cluster))
    typer.echo(
        f"WAL archiving to {cluster.wal_archive} is configured; restart the cluster to start "
        "it: sitereg db stop && sitereg db start"
    )
