"""Restore a backup file (``app.services.backup``) into an empty database.

The order: check the file and its schema version against this checkout's migrations, check the
target is empty (creating the database when it does not exist), create the missing roles,
``pg_restore`` everything in one transaction, grant the database-level privileges again, and
compare every table's row count with the manifest.

A dump of schema ``0029_qualify_postgis`` or later is restored by plain ``pg_restore``, as an
operator without sitereg would restore it. Older dumps go through ``replay``, which works around
their unqualified PostGIS calls and the load order of ``spatial_ref_sys``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
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


# From this schema version on, a dump restores with plain pg_restore (its helpers name PostGIS's
# schema and its stored areas are copied, not recomputed); older ones need ``replay``.
PLAIN_RESTORE_FROM = "0029_qualify_postgis"


def check_revision(revision: str) -> tuple[str, bool]:
    """Return the head revision, and whether ``revision`` restores with plain pg_restore.

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
    lineage = {script.revision for script in scripts.iterate_revisions(revision, "base")}
    return str(scripts.get_current_head()), PLAIN_RESTORE_FROM in lineage


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


EMPTY_PATH = "SELECT pg_catalog.set_config('search_path', '', false);"
PUBLIC_PATH = "SELECT pg_catalog.set_config('search_path', 'public', false);"


def _with_public_path(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Yield the script's lines with its empty search_path set to ``public`` (COPY data as is).

    The registry's SQL helpers (``tile_clearance_deg``, ``area_ha``, …) call PostGIS without a
    schema, and the stored columns that use them are computed while the script runs; with the
    empty search_path that pg_dump scripts set, PostgreSQL cannot find ``ST_IsValidDetail``.
    Every name in the script is schema-qualified, so ``public`` on the path changes nothing else.
    """
    in_copy = False
    for line in lines:
        if in_copy:
            in_copy = line != b"\\.\n"
        elif line.startswith(b"COPY ") and line.rstrip().endswith(b"FROM stdin;"):
            in_copy = True
        elif line.rstrip(b"\n").decode(errors="replace") == EMPTY_PATH:
            line = PUBLIC_PATH.encode() + b"\n"
        yield line


def _reference_data_first(listing: str) -> str:
    """Move the rows of ``spatial_ref_sys`` ahead of every other table's data.

    Stored columns compute areas in the project's own SRIDs (rows that migrations added to
    PostGIS's ``spatial_ref_sys``), while pg_restore's default order loads that table after
    ``sites`` and the other registry tables.
    """
    lines = listing.splitlines()
    first = [i for i, line in enumerate(lines) if " TABLE DATA " in line]
    srs = [i for i, line in enumerate(lines) if " TABLE DATA public spatial_ref_sys " in line]
    if first and srs:
        moved = lines.pop(srs[0])
        lines.insert(first[0], moved)
    return "\n".join(lines) + "\n"


def plain_restore(dump: Path, url: str) -> None:
    """Run ``pg_restore`` as it is, in one transaction that stops at the first error.

    Raises:
        BackupError: with pg_restore's error (nothing is kept then).
    """
    conninfo, env = libpq(url)
    run_tool(
        [pg_tool("pg_restore"), "--single-transaction", "--exit-on-error", "-d", conninfo,
         str(dump)],
        env,
        "pg_restore",
    )  # fmt: skip


def replay(dump: Path, url: str) -> None:
    """Run an older dump in one transaction: pg_restore prints its SQL, psql runs it.

    Raises:
        BackupError: with psql's error when a statement fails (nothing is kept then).
    """
    conninfo, env = libpq(url)
    environ = {**os.environ, **env}
    # psql's messages go to a file: a full stderr pipe would stall it while we write its input.
    with tempfile.TemporaryFile() as messages:
        order = dump.with_suffix(".list")
        order.write_text(
            _reference_data_first(
                run_tool([pg_tool("pg_restore"), "-l", str(dump)], {}, "pg_restore -l")
            )
        )
        source = subprocess.Popen(
            [pg_tool("pg_restore"), "-L", str(order), "-f", "-", str(dump)],
            stdout=subprocess.PIPE,
        )
        sink = subprocess.Popen(
            [pg_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
             "-d", conninfo, "-f", "-"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=messages, env=environ,
        )  # fmt: skip
        assert source.stdout is not None and sink.stdin is not None
        try:
            for line in _with_public_path(source.stdout):
                sink.stdin.write(line)
            sink.stdin.close()
        except BrokenPipeError:  # psql stopped at an error: its message is read below
            source.kill()
        source.wait()
        sink.wait()
        messages.seek(0)
        errors_text = messages.read().decode(errors="replace")
    if sink.returncode or source.returncode:
        reasons = [line for line in errors_text.splitlines() if "ERROR" in line]
        raise BackupError("restore failed, nothing was kept: " + "\n".join(reasons[:5]))


def restore_backup(path: Path, url: str, progress: Progress = lambda _: None) -> RestoreSummary:
    """Restore the backup at ``path`` into the empty database at ``url`` (a superuser's URL)."""
    manifest = read_manifest(path)
    revision = str(manifest["alembic_revision"])
    head, plain = check_revision(revision)
    progress(f"backup of {manifest['database']} at {manifest['created_at']}, schema {revision}")
    prepare_target(url, progress)
    with tarfile.open(path, "r") as archive, tempfile.TemporaryDirectory() as folder:
        roles_member = archive.extractfile(ROLES)
        roles_sql = roles_member.read().decode() if roles_member else ""
        archive.extract(DUMP, folder, filter="data")
        created = create_roles(url, roles_sql)
        progress(f"roles created: {', '.join(created) or 'none (all exist)'}")
        progress(f"restoring {len(manifest['tables'])} tables (pg_restore, one transaction)")
        (plain_restore if plain else replay)(Path(folder) / DUMP, url)
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
