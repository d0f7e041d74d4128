"""Who may connect to the embedded cluster, and how: peer on the socket, scram-sha-256 on TCP.

``pg_hba.conf`` lets in only the cluster's superuser and the server's role, with no ``trust``
line: through the unix socket by peer authentication, where ``pg_ident.conf``'s map ``sitereg``
names the OS accounts that may act as them (the account that runs sitereg and the one that runs
the server: ``root`` and ``postgres`` when sitereg runs as root); on 127.0.0.1 by
scram-sha-256, with random passwords that sitereg generates and keeps in a JSON file of the
cluster's data folder, readable by the account that runs sitereg alone (mode 0600). Replication
(pg_basebackup, a streaming standby) follows the same two rules, for the superuser only.

``sitereg db start`` writes both files and sets both passwords on every start, so a cluster
made with ``initdb --auth=trust`` by an older sitereg is converted in place; a cluster already
in that state is left untouched.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import pwd
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

IDENT_MAP = "sitereg"
SCRAM_PREFIX = "SCRAM-SHA-256$"
HBA_HEADER = """\
# sitereg embedded cluster: written by devcluster/auth.py at every `sitereg db start`.
# Unix socket: peer authentication, OS accounts mapped to roles by map "{map}" in pg_ident.conf.
# TCP on 127.0.0.1: scram-sha-256, with the passwords kept in {passwords}.
# Nothing else: every connection is one of those accounts or knows the password.
"""
IDENT_HEADER = """\
# sitereg embedded cluster: written by devcluster/auth.py at every `sitereg db start`.
# The OS accounts that may connect through the unix socket, and as which roles.
# MAPNAME  SYSTEM-USERNAME  PG-USERNAME
"""


def hba_text(roles: Sequence[str], replication_role: str, passwords: Path) -> str:
    """Return the cluster's ``pg_hba.conf``: peer on the socket, scram-sha-256 on 127.0.0.1."""
    users = ",".join(roles)
    rows = [
        ("# TYPE", "DATABASE", "USER", "ADDRESS", "METHOD"),
        ("local", "all", users, "", f"peer map={IDENT_MAP}"),
        ("local", "replication", replication_role, "", f"peer map={IDENT_MAP}"),
        ("host", "all", users, "127.0.0.1/32", "scram-sha-256"),
        ("host", "replication", replication_role, "127.0.0.1/32", "scram-sha-256"),
    ]
    width = len(users) + 1
    lines = [f"{a:<7} {b:<12} {c:<{width}} {d:<13} {e}".rstrip() for a, b, c, d, e in rows]
    return HBA_HEADER.format(map=IDENT_MAP, passwords=passwords) + "\n".join(lines) + "\n"


def ident_text(accounts: Iterable[str], roles: Sequence[str]) -> str:
    """Return the cluster's ``pg_ident.conf``: each OS account may act as each role."""
    lines = [
        f"{IDENT_MAP:<10} {account:<16} {role}"
        for account in sorted(set(accounts))
        for role in roles
    ]
    return IDENT_HEADER + "\n".join(lines) + "\n"


def os_accounts(pgdata: Path) -> list[str]:
    """Return the account that runs sitereg and the one that owns (and runs) the server."""
    return sorted({pwd.getpwuid(os.geteuid()).pw_name, pwd.getpwuid(pgdata.stat().st_uid).pw_name})


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` unless it already holds it; return whether it changed.

    The file is rewritten in place, so it keeps its owner (the server's account) and mode.
    """
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)
    return True


def load_passwords(path: Path) -> dict[str, str]:
    """Return the stored passwords by role (empty when the file does not exist yet)."""
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return {}


def ensure_passwords(path: Path, roles: Sequence[str]) -> dict[str, str]:
    """Return a password for each role, generating and storing those the file lacks.

    The file is created owner-only (0600) before anything is written to it, and put back to
    0600 if it was opened up since.
    """
    known = load_passwords(path)
    missing = [role for role in roles if role not in known]
    if missing:
        known.update({role: secrets.token_urlsafe(24) for role in missing})
        partial = path.with_name(path.name + ".partial")
        partial.unlink(missing_ok=True)
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(known, handle, indent=2, sort_keys=True)
        os.replace(partial, path)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return known


def scram_matches(verifier: str | None, password: str) -> bool:
    """Tell whether a ``pg_authid.rolpassword`` SCRAM-SHA-256 verifier was made from ``password``.

    RFC 5802: StoredKey = SHA-256(HMAC(PBKDF2(password, salt, iterations), "Client Key")).
    The generated passwords are ASCII, which SASLprep leaves as they are.
    """
    if not verifier or not verifier.startswith(SCRAM_PREFIX):
        return False
    try:
        head, keys = verifier.removeprefix(SCRAM_PREFIX).split("$", 1)
        iterations, salt = head.split(":", 1)
        stored_key = base64.b64decode(keys.split(":", 1)[0])
        salted = hashlib.pbkdf2_hmac(
            "sha256", password.encode(), base64.b64decode(salt), int(iterations)
        )
    except ValueError:
        return False
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return hmac.compare_digest(hashlib.sha256(client_key).digest(), stored_key)


def set_passwords(
    conn: psycopg.Connection[tuple[object, ...]], passwords: dict[str, str]
) -> list[str]:
    """Give each role its password unless it has it already; return the roles changed.

    The SCRAM verifier is computed here (libpq's ``PQencryptPasswordConn``), so the password
    itself never reaches the server, its statement log or ``pg_stat_activity``.
    """
    from psycopg import sql

    changed = []
    for role, password in passwords.items():
        row = conn.execute(
            "SELECT rolpassword FROM pg_authid WHERE rolname = %s", (role,)
        ).fetchone()
        if row is None or scram_matches(None if row[0] is None else str(row[0]), password):
            continue
        verifier = conn.pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256")
        conn.execute(
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(verifier.decode())
            )
        )
        changed.append(role)
    return changed


def file_errors(conn: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    """Return the errors PostgreSQL finds in the pg_hba.conf and pg_ident.conf on disk."""
    found = [
        f"pg_hba.conf line {line}: {error}"
        for line, error in conn.execute(
            "SELECT line_number, error FROM pg_hba_file_rules WHERE error IS NOT NULL"
        ).fetchall()
    ]
    ident = conn.execute("SELECT to_regclass('pg_catalog.pg_ident_file_mappings')").fetchone()
    if ident is not None and ident[0] is not None:  # PostgreSQL 15 on
        found += [
            f"pg_ident.conf line {line}: {error}"
            for line, error in conn.execute(
                "SELECT line_number, error FROM pg_ident_file_mappings WHERE error IS NOT NULL"
            ).fetchall()
        ]
    return found


def in_recovery(conn: psycopg.Connection[tuple[object, ...]]) -> bool:
    """Tell whether the server is a standby or still recovering (read-only: no ALTER ROLE)."""
    row = conn.execute("SELECT pg_is_in_recovery()").fetchone()
    return bool(row and row[0])


def restore_file(path: Path, text: str | None) -> None:
    """Put back a file's earlier text (or nothing, when it had none)."""
    if text is None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    write_if_changed(path, text)
