"""Keyset cursors of items pages: where a page ends, and the condition of what comes after.

A ``next`` link carries ``cursor=``, the sort key values and id of the last feature sent, so the
next page is an index range (``code > :after``) rather than an ``OFFSET`` that PostgreSQL must
count through, and rows added or removed before it cannot shift it (no duplicate, no gap).

The cursor is opaque to clients (base64url of a small JSON object) and validated, not signed:
each value must parse as its sort key's type, as ``offset`` must parse as an integer. A forged
cursor can only name another place to start, which ``offset`` already lets anyone do.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa

from app.errors import InvalidParameter
from app.ogc.cql2.temporal import parse_instant

MAX_CURSOR_CHARS: Final = 4096
AFTER_BIND: Final = "after_{}"


@dataclass(frozen=True)
class SortKey:
    """One key of a page's order: expression, direction and the SQL type of its cursor value.

    Ascending keys sort NULLs last (PostgreSQL's default) and descending keys are written
    ``DESC NULLS LAST``: NULLs come last either way, which ``after_condition`` relies on.
    """

    name: str
    expr: Any
    descending: bool
    value_type: Any
    nullable: bool = True

    def clause(self) -> Any:
        """Return the ORDER BY clause of this key."""
        return self.expr.desc().nulls_last() if self.descending else self.expr.asc()


@dataclass(frozen=True)
class Cursor:
    """A decoded cursor: the key values as text their SQL types read, and features before it."""

    values: tuple[str | None, ...]
    position: int


def _error(detail: str) -> InvalidParameter:
    return InvalidParameter("cursor", f"{detail}; use the next link of a page as it was sent")


def encode(sortby: str | None, keys_json: str, position: int) -> str:
    """Return the cursor after a feature whose key values PostgreSQL gave as a JSON array."""
    payload = f'{{"sortby":{json.dumps(sortby or "")},"after":{keys_json},"position":{position}}}'
    return base64.urlsafe_b64encode(payload.encode()).rstrip(b"=").decode("ascii")


def _payload(text: str) -> dict[str, Any]:
    if len(text) > MAX_CURSOR_CHARS:
        raise _error(f"longer than {MAX_CURSOR_CHARS} characters")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        payload = json.loads(raw.decode())
    except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError):
        raise _error("not a cursor of this API") from None
    if not isinstance(payload, dict):
        raise _error("not a cursor of this API")
    return payload


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)  # NaN and Infinity too, which float8 reads
    if isinstance(value, str) and "\x00" not in value:  # PostgreSQL text holds no NUL
        return value
    raise ValueError(value)


def _value_text(key: SortKey, value: Any) -> str | None:
    """Return one cursor value as text that casts to the key's SQL type without error."""
    if value is None and key.nullable:
        return None
    text = _scalar_text(value)
    kind = key.value_type
    if isinstance(kind, sa.String) and not isinstance(value, str):
        raise ValueError(value)
    if isinstance(kind, sa.Boolean) and not isinstance(value, bool):
        raise ValueError(value)
    if isinstance(kind, sa.Integer):
        if type(value) is not int or not -(2**63) <= value < 2**63:
            raise ValueError(value)
    elif isinstance(kind, sa.Float) and (
        isinstance(value, bool) or not isinstance(value, int | float)
    ):
        raise ValueError(value)
    elif isinstance(kind, sa.Date | sa.DateTime):
        instant = parse_instant(value)
        if isinstance(kind, sa.DateTime) or not isinstance(instant, datetime):
            return instant.isoformat()
        return instant.date().isoformat()
    return text


def decode(text: str, sortby: str | None, keys: Sequence[SortKey]) -> Cursor:
    """Return a cursor's key values (as text of their types) and position, all checked.

    Raises:
        InvalidParameter: naming ``cursor``, for anything but a cursor of this query.
    """
    payload = _payload(text)
    after, position = payload.get("after"), payload.get("position")
    if payload.get("sortby") != (sortby or ""):
        raise _error("made for another sortby")
    if not isinstance(after, list) or len(after) != len(keys):
        raise _error(f"expected {len(keys)} sort key values")
    if type(position) is not int or not 0 <= position < 2**31:
        raise _error("position is not a count of features")
    values = []
    for key, value in zip(keys, after, strict=True):
        try:
            values.append(_value_text(key, value))
        except (ValueError, InvalidParameter):
            raise _error(f"the value of sort key '{key.name}' does not fit its type") from None
    return Cursor(tuple(values), position)


def after_condition(keys: Sequence[SortKey], values: Sequence[str | None]) -> Any:
    """Return the condition "sorts after these key values" (bind ``after_<i>`` per value).

    Row comparison ``(a, b) > (x, y)`` cannot mix directions or order NULLs, so the condition
    is spelled out: after on the first key, or equal on it and after on the next, and so on.
    With the default order (the id alone) it is ``id > :after_0``, an index range.
    """
    ors: list[Any] = []
    equal: list[Any] = []
    for index, (key, value) in enumerate(zip(keys, values, strict=True)):
        bound = sa.cast(sa.bindparam(AFTER_BIND.format(index), value, sa.Text), key.value_type)
        if value is not None:
            beyond = key.expr < bound if key.descending else key.expr > bound
            if key.nullable:
                beyond = sa.or_(beyond, key.expr.is_(None))  # NULLs sort last
            ors.append(sa.and_(*equal, beyond))
        equal.append(key.expr.is_(None) if value is None else key.expr == bound)
    return sa.or_(*ors) if ors else sa.false()


def after_binds(values: Sequence[str | None]) -> dict[str, str]:
    """Return the values of the binds of ``after_condition`` by name (NULLs have none)."""
    return {AFTER_BIND.format(i): value for i, value in enumerate(values) if value is not None}
