"""One API-token check for reads and writes: the lookup, the rules, the caller, the touch.

The asyncio read pool (``token_reads``, for reads) and a write's own session
(``identity.authenticate_token``) run the same two statements and apply the same rules, so a
token means the same thing everywhere: unknown, revoked or expired tokens and disabled users
are 401, with the same messages. Plain SQL in the driver's paramstyle: both run it as prepared
statements, without the ORM (the ORM's row handling cost a write more than the lookup itself).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from app.access import Caller, Unauthorized
from app.models.enums import Role

TOUCH_EVERY: Final = timedelta(minutes=1)
"""A token's ``last_used_at`` (and its ``token_used`` event) is written at most this often."""

LOOKUP: Final = """
SELECT t.id, t.prefix, t.expires_at, t.revoked_at, t.last_used_at,
       u.id, u.username, u.display_name, u.role, u.disabled,
       a.code, a.name, a.province, a.layers, a.site_kinds, a.approval_for
FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN agencies a ON a.id = u.agency_id
WHERE t.token_hash = %(digest)s
"""
TOUCH: Final = """
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
"""One statement: concurrent requests of one token record its use once."""


def caller_of(row: tuple[Any, ...] | None, now: datetime) -> Caller:
    """Return the caller of a ``LOOKUP`` row, or refuse the token.

    Raises:
        Unauthorized: the token is unknown, revoked or expired, or its user disabled.
    """
    if row is None:
        raise Unauthorized("unknown API token", invalid_token=True)
    prefix, expires_at, revoked_at, username, disabled = row[1], row[2], row[3], row[6], row[9]
    if revoked_at is not None:
        raise Unauthorized(f"API token {prefix}… was revoked", invalid_token=True)
    if expires_at <= now:
        raise Unauthorized(f"API token {prefix}… has expired", invalid_token=True)
    if disabled:
        raise Unauthorized(f"user '{username}' is disabled", invalid_token=True)
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


def needs_touch(row: tuple[Any, ...], now: datetime) -> bool:
    """Tell whether the token's use is to be recorded now (once a minute)."""
    last_used: datetime | None = row[4]
    return last_used is None or now - last_used >= TOUCH_EVERY


def touch_params(row: tuple[Any, ...], request_id: str | None) -> dict[str, Any]:
    """Return the parameters of ``TOUCH`` for a ``LOOKUP`` row."""
    return {"token_id": row[0], "request_id": request_id}
