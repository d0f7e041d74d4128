"""Restore a backup file (``app.services.backup``) into an empty database.

The order: check the file and its schema version against this checkout's migrations, check the
target is empty (creating the database when it does not exist), create the missing roles,
``pg_restore`` everything in one transaction, grant the database-level privileges again, and
compare every table's row count with the manifest.
"""

from __future__ import annotations

import contextlib
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import errors, sql
from sqlalchemy.engine import make_url

from app.services.backup import (
    DUMP,
    GRANT_LINE,
    ROLE_LINE,
    ROLES,
    BackupError,
    Progress,
    _unquote,
    libpq,
    pg_tool,
    read_manifest,
    run_tool,
    table_counts,
)
from app.settings import PROJECT_ROOT

USER_RELATIONS = """
SELECT count(*), min(n.nspname || '.' || c.relname)
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_%'
"""


@dataclass(frozen=True)
class RestoreSummary:
    """What ``sitereg restore`` reports."""

    database: str
    revision: str
    head: str
    tables: int
    rows: int
    created_roles: list[str]


def check_revision(revision: str) -> str:
    """Return this checkout's head revision after checking ``revision`` is one of ours.

    Raises:
        BackupError: when the backup's schema version is unknown to this code.
    """
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    scripts = ScriptDirectory.from_config(Config(str(PROJECT_ROOT / "alembic.ini")))
    try:
        known = scripts.get_revision(revision)
    except CommandError:
        known = None
    if known is None:
        raise BackupError(
            f"the backup's schema version {revision} is not among this sitereg's migrations: "
            "restore it with the sitereg version that made it (or a newer one)"
        )
    return str(scripts.get_current_head())


def _connect(url: str, *, database: str | None = None) -> psycopg.Connection[Any]:
    if database is not None:
        url = make_url(url).set(database=database).render_as_string(hide_password=False)
    conninfo, env = libpq(url)
    return psycopg.connect(conninfo, password=env.get("PGPASSWORD"), autocommit=True)


def prepare_target(url: str, progress: Progress) -> None:
    """Create the target database if missing; refuse one that holds any table, view or sequence.

    Raises:
        BackupError: when the target is not empty.
    """
    name = make_url(url).database
    if not name:
        raise BackupError("the target URL names no database")
    with _connect(url, database="postgres") as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            progress(f"creating database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return
    with _connect(url) as conn:
        row = conn.execute(USER_RELATIONS).fetchone()
        extensions = conn.execute("SELECT count(*) FROM pg_extension").fetchone()
    relations, example = (int(row[0]), row[1]) if row else (0, None)
    if relations or (extensions and int(extensions[0]) > 1):
        raise BackupError(
            f"database {name} is not empty ({relations} relations, e.g. {example}): a restore "
            "goes only into an empty database. Give another name, or drop this one first "
            "(sitereg never overwrites data)"
        )


def create_roles(url: str, roles_sql: str) -> list[str]:
    """Create the roles of the backup that the target lacks; existing roles are left as they are.

    Returns:
        The names of the roles created.
    """
    statements: dict[str, list[str]] = {}
    grants = []
    for line in roles_sql.splitlines():
        role = ROLE_LINE.match(line)
        if role:
            statements.setdefault(_unquote(role.group(1)), []).append(line)
        elif GRANT_LINE.match(line):
            grants.append(line)
    created = []
    with _connect(url) as conn:
        for name, lines in statements.items():
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
                continue
            for line in lines:
                conn.execute(line.encode())
            created.append(name)
        for line in grants:
            with contextlib.suppress(errors.DuplicateObject):
                conn.execute(line.encode())
    return created


def _grant_database(url: str, grants: list[list[str]]) -> None:
    """Grant again the database-level privileges (pg_restore without --create skips them)."""
    with _connect(url) as conn:
        for privilege, role in grants:
            conn.execute(
                sql.SQL("GRANT {} ON DATABASE {} TO {}").format(
                    sql.SQL(privilege),
                    sql.Identifier(str(conn.info.dbname)),
                    sql.Identifier(role),
                )
            )


def _verify(url: str, expected: dict[str, int]) -> dict[str, int]:
    """Compare the restored row counts with the manifest's.

    Raises:
        BackupError: naming the first tables that differ.
    """
    with _connect(url) as conn:
        found = table_counts(conn)
    differing = [
        f"{name}: {expected.get(name)} in the backup, {found.get(name)} restored"
        for name in sorted(set(expected) | set(found))
        if expected.get(name) != found.get(name)
    ]
    if differing:
        raise BackupError("the restored tables differ from the backup: " + "; ".join(differing[:5]))
    return found


def restore_backup(path: Path, url: str, progress: Progress = lambda _: None) -> RestoreSummary:
    """Restore the backup at ``path`` into the empty database at ``url`` (a superuser's URL)."""
    manifest = read_manifest(path)
    revision = str(manifest["alembic_revision"])
    head = check_revision(revision)
    progress(f"backup of {manifest['database']} at {manifest['created_at']}, schema {revision}")
    prepare_target(url, progress)
    with tarfile.open(path, "r") as archive, tempfile.TemporaryDirectory() as folder:
        roles_member = archive.extractfile(ROLES)
        roles_sql = roles_member.read().decode() if roles_member else ""
        archive.extract(DUMP, folder, filter="data")
        created = create_roles(url, roles_sql)
        progress(f"roles created: {', '.join(created) or 'none (all exist)'}")
        progress(f"restoring {len(manifest['tables'])} tables (pg_restore, one transaction)")
        conninfo, env = libpq(url)
        run_tool(
            [pg_tool("pg_restore"), "--exit-on-error", "--single-transaction",
             "-d", conninfo, str(Path(folder) / DUMP)],
            env,
            "pg_restore",
        )  # fmt: skip
    _grant_database(url, manifest.get("database_grants", []))
    counts = _verify(url, manifest["tables"])
    return RestoreSummary(
        database=str(make_url(url).database),
        revision=revision,
        head=head,
        tables=len(counts),
        rows=sum(counts.values()),
        created_roles=created,
    )
