"""Bearer tokens of reads, checked on the asyncio read pool: no worker thread, no ORM session.

Portals send many small reads with their token (personal fields need one). Checking it the way
writes do (``identity.authenticate_token``: a worker-thread hop, an ORM session, a commit) cost
more than the read itself; here it is one prepared statement on the read pool's autocommit
connection, plus, at most once a minute per token, the ``last_used_at`` touch and its
``token_used`` event (one statement, so concurrent reads record it once). Same rules, same
messages: unknown, revoked or expired tokens and disabled users are 401.

A token checked good is remembered for ``REMEMBER_S`` (1 s) per process, so a portal's burst of
small reads checks it once a second, not once per read (bench/README.md, issue 15: one token
check per read halved the one-site rate). Revoking a token or disabling a user therefore stops
reads within a second, and writes at once (they always check).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any, Final

from psycopg_pool import AsyncConnectionPool

from app.access import Caller, Unauthorized
from app.db.read_pool import AsyncConnection, fetch_one_prepared
from app.models.enums import Role
from app.services.identity import TOKEN_PATTERN, TOUCH_EVERY, secret_digest

REMEMBER_S: Final = 1.0
_REMEMBERED_MAX: Final = 10_000
_remembered: dict[str, tuple[float, Caller]] = {}

_LOOKUP: Final = """
SELECT t.id, t.prefix, t.expires_at, t.revoked_at, t.last_used_at,
       u.id, u.username, u.display_name, u.role, u.disabled,
       a.code, a.name, a.province, a.layers, a.site_kinds, a.approval_for
FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN agencies a ON a.id = u.agency_id
WHERE t.token_hash = %(digest)s
"""
_TOUCH: Final = """
WITH touched AS (
    UPDATE api_tokens SET last_used_at = now()
    WHERE id = %(token_id)s
      AND (last_used_at IS NULL OR last_used_at <= now() - interval '1 minute')
    RETURNING id, user_id
)
INSERT INTO auth_events (kind, user_id, token_id, request_id)
SELECT 'token_used', user_id, id, %(request_id)s FROM touched
RETURNING id
"""


def _alive(row: tuple[Any, ...], now: datetime) -> None:
    prefix, expires_at, revoked_at, username, disabled = row[1], row[2], row[3], row[6], row[9]
    if revoked_at is not None:
        raise Unauthorized(f"API token {prefix}… was revoked", invalid_token=True)
    if expires_at <= now:
        raise Unauthorized(f"API token {prefix}… has expired", invalid_token=True)
    if disabled:
        raise Unauthorized(f"user '{username}' is disabled", invalid_token=True)


def _caller(row: tuple[Any, ...]) -> Caller:
    agency = row[10] is not None
    return Caller(
        username=row[6],
        display_name=row[7],
        role=Role(row[8]),
        user_id=row[5],
        token_id=row[0],
        agency_code=row[10],
        agency_name=row[11],
        province=row[12],
        layers=frozenset(row[13]) if agency else frozenset(),
        site_kinds=frozenset(row[14]) if agency else frozenset(),
        approval_for=frozenset(row[15]) if agency else frozenset(),
    )


async def authenticate_token_read(
    pool: AsyncConnectionPool[AsyncConnection], plain: str, *, request_id: str | None
) -> Caller:
    """Return the caller behind a bearer token sent with a read.

    Raises:
        Unauthorized: the token is malformed, unknown, expired or revoked, or its user disabled.
    """
    if not TOKEN_PATTERN.fullmatch(plain):
        raise Unauthorized("the bearer token is not a sitereg token", invalid_token=True)
    digest = secret_digest(plain)
    known = _remembered.get(digest)
    if known is not None and known[0] > time.monotonic():
        return known[1]
    caller = await _check(pool, digest, request_id)
    if len(_remembered) >= _REMEMBERED_MAX:
        _remembered.clear()
    _remembered[digest] = (time.monotonic() + REMEMBER_S, caller)
    return caller


async def _check(
    pool: AsyncConnectionPool[AsyncConnection], digest: str, request_id: str | None
) -> Caller:
    row = await fetch_one_prepared(pool, _LOOKUP, {"digest": digest})
    if row is None:
        raise Unauthorized("unknown API token", invalid_token=True)
    now = datetime.now(UTC)
    _alive(row, now)
    last_used = row[4]
    if last_used is None or now - last_used >= TOUCH_EVERY:
        await fetch_one_prepared(pool, _TOUCH, {"token_id": row[0], "request_id": request_id})
    return _caller(row)
