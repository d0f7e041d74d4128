"""Logical backups: one file holding a pg_dump of the database, its roles and its schema version.

A backup file is an uncompressed tar with three members:

- ``manifest.json``: format, time, database, Alembic revision, the exact row count of every
  table, the roles the database refers to and its database-level grants;
- ``roles.sql``: those roles as ``pg_dumpall --roles-only`` prints them (attributes, and password
  hashes when the backing-up role may read them), filtered to the roles the database refers to:
  owners of its objects and grantees of its privileges (``sitereg_app`` and the owner);
- ``database.dump``: ``pg_dump --format=custom`` of the whole database (registry tables, their
  ``*_versions`` history, ``registry_changes``, imports, identity, ``alembic_version``).

The dump, the counts and the revision are read from one exported snapshot, so they describe the
same instant even while the server writes. The restore side is ``app.services.backup_restore``.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

FORMAT = "sitereg-backup/1"
MANIFEST = "manifest.json"
ROLES = "roles.sql"
DUMP = "database.dump"

Progress = Callable[[str], None]

TABLES = """
SELECT n.nspname, c.relname
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY n.nspname, c.relname
"""

# Owners of the database's objects and grantees of its privileges (grantee 0 is PUBLIC).
REFERENCED_ROLES = """
WITH refs (oid) AS (
    SELECT relowner FROM pg_class
    UNION SELECT (aclexplode(relacl)).grantee FROM pg_class
    UNION SELECT proowner FROM pg_proc
    UNION SELECT (aclexplode(proacl)).grantee FROM pg_proc
    UNION SELECT nspowner FROM pg_namespace
    UNION SELECT (aclexplode(nspacl)).grantee FROM pg_namespace
    UNION SELECT typowner FROM pg_type
    UNION SELECT defaclrole FROM pg_default_acl
    UNION SELECT (aclexplode(defaclacl)).grantee FROM pg_default_acl
    UNION SELECT datdba FROM pg_database WHERE datname = current_database()
    UNION SELECT (aclexplode(datacl)).grantee FROM pg_database WHERE datname = current_database()
)
SELECT r.rolname
FROM pg_roles AS r
JOIN refs ON refs.oid = r.oid
WHERE r.rolname NOT LIKE 'pg\\_%'
ORDER BY r.rolname
"""

DATABASE_GRANTS = """
SELECT a.privilege_type, r.rolname
FROM pg_database AS d
CROSS JOIN LATERAL aclexplode(d.datacl) AS a
JOIN pg_roles AS r ON r.oid = a.grantee
WHERE d.datname = current_database()
  AND a.grantee <> d.datdba
ORDER BY r.rolname, a.privilege_type
"""


class BackupError(RuntimeError):
    """A backup or restore cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class BackupSummary:
    """What ``sitereg backup`` reports."""

    path: Path
    revision: str
    tables: int
    rows: int
    size_bytes: int
    roles: list[str]


def pg_tool(name: str) -> str:
    """Return the newest installed PostgreSQL client program ``name`` (pg_dump, pg_restore, …).

    Raises:
        BackupError: when it is not installed, with the command that installs it.
    """
    candidates = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return str(candidates[-1])
    found = shutil.which(name)
    if found:
        return found
    raise BackupError(
        f"{name} is not installed. Run: sudo apt-get install -y postgresql-client "
        "(the same major version as the server, or newer)"
    )


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """Return a libpq conninfo for a SQLAlchemy URL, and the environment carrying its password.

    The password goes through ``PGPASSWORD`` so that it never shows in a process list.
    """
    parsed = make_url(url)
    parts = {
        "host": parsed.host or parsed.query.get("host"),
        "port": str(parsed.port) if parsed.port else parsed.query.get("port"),
        "user": parsed.username,
        "dbname": parsed.database,
    }
    conninfo = " ".join(
        f"{key}={_quote(str(value))}" for key, value in parts.items() if value is not None
    )
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    return conninfo, env


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def run_tool(args: list[str], env: dict[str, str], what: str) -> str:
    """Run a client program and return its output; a failure raises with its last lines."""
    result = subprocess.run(
        args, capture_output=True, text=True, check=False, env={**os.environ, **env}
    )
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        # pg_restore ends with the failed statement; its reason is on the "error:" lines.
        reasons = [line for line in lines if "error:" in line.lower()] or lines[-5:]
        raise BackupError(f"{what} failed: " + "\n".join(reasons[:5]))
    return result.stdout


@contextmanager
def _snapshot(url: str) -> Iterator[tuple[psycopg.Connection[Any], str]]:
    """Hold a repeatable-read transaction open and yield it with its exported snapshot id."""
    conninfo, env = libpq(url)
    with psycopg.connect(conninfo, password=env.get("PGPASSWORD")) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert snapshot is not None
        yield conn, str(snapshot[0])
        conn.rollback()


def table_counts(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """Return the exact row count of every table outside the system schemas."""
    counts: dict[str, int] = {}
    for schema, table in conn.execute(TABLES).fetchall():
        query = sql.SQL("SELECT count(*) FROM {}.{}").format(
            sql.Identifier(schema), sql.Identifier(table)
        )
        row = conn.execute(query).fetchone()
        counts[f"{schema}.{table}"] = int(row[0]) if row else 0
    return counts


def _manifest(conn: psycopg.Connection[Any], roles: list[str]) -> dict[str, Any]:
    """Describe the database as the snapshot sees it."""
    revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    if revision is None:
        raise BackupError("the database has no schema version: run `sitereg db upgrade` first")
    return {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": conn.info.dbname,
        "server_version": conn.info.server_version,
        "alembic_revision": revision[0],
        "tables": table_counts(conn),
        "roles": roles,
        "database_grants": [list(row) for row in conn.execute(DATABASE_GRANTS).fetchall()],
    }


ROLE_LINE = re.compile(r'^(?:CREATE|ALTER) ROLE ("(?:[^"]|"")+"|[^\s;]+)')
GRANT_LINE = re.compile(r'^GRANT ("(?:[^"]|"")+"|\S+) TO ("(?:[^"]|"")+"|\S+)')


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def filter_roles(dumpall: str, roles: list[str]) -> str:
    """Keep the CREATE/ALTER ROLE lines of ``roles`` and the memberships among them."""
    wanted = set(roles)
    kept = [line for line in dumpall.splitlines() if _names(line) and _names(line) <= wanted]
    return "\n".join(kept) + "\n"


def _names(line: str) -> set[str]:
    """Return the roles a CREATE/ALTER ROLE or role GRANT line names (empty for other lines)."""
    role = ROLE_LINE.match(line)
    if role:
        return {_unquote(role.group(1))}
    grant = GRANT_LINE.match(line)
    return {_unquote(grant.group(1)), _unquote(grant.group(2))} if grant else set()


def dump_roles(url: str, roles: list[str]) -> str:
    """Return the role definitions of ``roles`` (with password hashes when readable)."""
    conninfo, env = libpq(url)
    args = [pg_tool("pg_dumpall"), "--roles-only", "-d", conninfo]
    try:
        text = run_tool(args, env, "pg_dumpall --roles-only")
    except BackupError:
        # A role that is not superuser cannot read pg_authid's password hashes.
        text = run_tool([*args, "--no-role-passwords"], env, "pg_dumpall --roles-only")
    return filter_roles(text, roles)


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def create_backup(url: str, path: Path, progress: Progress = lambda _: None) -> BackupSummary:
    """Write a backup of the database at ``url`` (its owner's URL) to ``path``.

    The file appears only when complete (written beside it, then renamed).
    """
    partial = path.with_name(path.name + ".partial")
    dump_file = path.with_name(path.name + ".dump.partial")
    try:
        # The file holds every personal field and the roles' password hashes: owner-only.
        for private in (partial, dump_file):
            os.close(os.open(private, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600))
        with _snapshot(url) as (conn, snapshot):
            roles = [row[0] for row in conn.execute(REFERENCED_ROLES).fetchall()]
            progress(f"counting rows of {conn.info.dbname}")
            manifest = _manifest(conn, roles)
            progress(f"dumping {len(manifest['tables'])} tables (pg_dump, custom format)")
            conninfo, env = libpq(url)
            run_tool(
                [pg_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}",
                 f"--file={dump_file}", "-d", conninfo],
                env,
                "pg_dump",
            )  # fmt: skip
        progress(f"dumping roles {', '.join(roles)}")
        roles_sql = dump_roles(url, roles)
        with tarfile.open(partial, "w") as archive:
            _add(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
            _add(archive, ROLES, roles_sql.encode())
            archive.add(dump_file, arcname=DUMP)
        partial.replace(path)
    finally:
        dump_file.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    counts: dict[str, int] = manifest["tables"]
    return BackupSummary(
        path, manifest["alembic_revision"], len(counts), sum(counts.values()),
        path.stat().st_size, roles,
    )  # fmt: skip


def read_manifest(path: Path) -> dict[str, Any]:
    """Return the manifest of a backup file.

    Raises:
        BackupError: when the file is not a sitereg backup.
    """
    try:
        with tarfile.open(path, "r") as archive:
            member = archive.extractfile(MANIFEST)
            manifest: dict[str, Any] = json.loads(member.read()) if member else {}
    except (tarfile.TarError, KeyError, ValueError, OSError) as exc:
        raise BackupError(f"{path} is not a sitereg backup file ({exc})") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} has format {manifest.get('format')!r}, expected {FORMAT}")
    return manifest
