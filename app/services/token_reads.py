"""Bearer tokens of reads, checked on the asyncio read pool: no worker thread, no ORM session.

Portals send many small reads with their token (personal fields need one). Checking it the way
writes do (``identity.authenticate_token``: a worker-thread hop, an ORM session, a commit) cost
more than the read itself; here it is one prepared statement on the read pool's autocommit
connection, plus, at most once a minute per token, the ``last_used_at`` touch and its
``token_used`` event. The statements and rules are ``token_rows``', the same as writes'.

A token checked good is remembered for ``REMEMBER_S`` (1 s) per process, so a portal's burst of
small reads checks it once a second, not once per read (bench/README.md, issue 15: one token
check per read halved the one-site rate). Revoking a token or disabling a user therefore stops
reads within a second, and writes at once (they always check).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Final

from psycopg_pool import AsyncConnectionPool

from app.access import Caller, Unauthorized
from app.db.read_pool import AsyncConnection, fetch_one_prepared
from app.services import token_rows
from app.services.identity import TOKEN_PATTERN, secret_digest

REMEMBER_S: Final = 1.0
_REMEMBERED_MAX: Final = 10_000
_remembered: dict[str, tuple[float, Caller]] = {}


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
    row = await fetch_one_prepared(pool, token_rows.LOOKUP, {"digest": digest})
    now = datetime.now(UTC)
    caller = token_rows.caller_of(row, now)
    assert row is not None
    if token_rows.needs_touch(row, now):
        await fetch_one_prepared(pool, token_rows.TOUCH, token_rows.touch_params(row, request_id))
    return caller
