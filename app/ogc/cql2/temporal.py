"""CQL2 temporal literals and the T_* functions, as interval comparisons in SQL.

An instant (a date property or a DATE/TIMESTAMP literal) is the interval [t, t]; ``..`` is an
open end. The relations follow CQL2 §6.9 (Allen's interval algebra); open ends become bound
``datetime.min``/``datetime.max`` so the SQL keeps one shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from app.ogc.cql2.types import TEMPORAL, Node, ScalarCompiler, Typed, error

TIMESTAMP = sa.DateTime(timezone=True)
OPEN_START = datetime.min.replace(tzinfo=UTC)
OPEN_END = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Span:
    """A closed interval of SQL expressions."""

    start: Any
    end: Any


RELATIONS: dict[str, Callable[[Span, Span], Any]] = {
    "t_after": lambda a, b: a.start > b.end,
    "t_before": lambda a, b: a.end < b.start,
    "t_contains": lambda a, b: sa.and_(a.start < b.start, a.end > b.end),
    "t_disjoint": lambda a, b: sa.or_(a.start > b.end, a.end < b.start),
    "t_during": lambda a, b: sa.and_(a.start > b.start, a.end < b.end),
    "t_equals": lambda a, b: sa.and_(a.start == b.start, a.end == b.end),
    "t_finishedby": lambda a, b: sa.and_(a.start < b.start, a.end == b.end),
    "t_finishes": lambda a, b: sa.and_(a.start > b.start, a.end == b.end),
    "t_intersects": lambda a, b: sa.and_(a.start <= b.end, a.end >= b.start),
    "t_meets": lambda a, b: a.end == b.start,
    "t_metby": lambda a, b: a.start == b.end,
    "t_overlappedby": lambda a, b: sa.and_(a.start > b.start, a.start < b.end, a.end > b.end),
    "t_overlaps": lambda a, b: sa.and_(a.start < b.start, a.end > b.start, a.end < b.end),
    "t_startedby": lambda a, b: sa.and_(a.start == b.start, a.end > b.end),
    "t_starts": lambda a, b: sa.and_(a.start == b.start, a.end < b.end),
}


def parse_instant(text: Any, what: str = "timestamp") -> date | datetime:
    """Parse an RFC 3339 date or timestamp (``Z`` allowed); a naive timestamp is UTC.

    Raises:
        InvalidParameter: when the text is not an ISO date or timestamp.
    """
    if not isinstance(text, str):
        raise error(f"a {what} must be a string, got {text!r}")
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        value = datetime.fromisoformat(text)
    except ValueError:
        raise error(f"'{text}' is not an RFC 3339 {what}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def bound(value: date | datetime) -> Any:
    """Bind a date or timestamp with its SQL type."""
    return sa.literal(value, sa.Date if type(value) is date else TIMESTAMP)


def instant(node: dict[str, Any]) -> Typed:
    """Compile ``{"date": ...}`` or ``{"timestamp": ...}``."""
    key = "date" if "date" in node else "timestamp"
    value = parse_instant(node[key], key)
    return Typed(bound(value), TEMPORAL, f"{key.upper()}('{node[key]}')")


def _end(compiler: ScalarCompiler, item: Node, open_value: datetime) -> Any:
    if item == "..":
        return sa.literal(open_value, TIMESTAMP)
    if isinstance(item, str):
        return bound(parse_instant(item))
    typed = compiler.scalar(item)
    if typed.family != TEMPORAL:
        raise error(f"an interval end must be a date or timestamp, not {typed.label}")
    return typed.expr


def span(compiler: ScalarCompiler, node: Node) -> Span:
    """Compile a temporal operand (instant, interval or date property) to a span."""
    if isinstance(node, dict) and "interval" in node:
        items = node["interval"]
        if not isinstance(items, list) or len(items) != 2:
            raise error("an interval has exactly two ends (use '..' for an open end)")
        return Span(_end(compiler, items[0], OPEN_START), _end(compiler, items[1], OPEN_END))
    typed = compiler.scalar(node)
    if typed.family != TEMPORAL:
        raise error(f"temporal functions need dates or intervals, not {typed.label}")
    return Span(typed.expr, typed.expr)


def relate(compiler: ScalarCompiler, op: str, args: list[Node]) -> Any:
    """Compile ``T_xxx(a, b)``."""
    relation = RELATIONS.get(op)
    if relation is None:
        raise error(f"unknown temporal function '{op}'")
    compiler.arity(op, args, 2)
    return relation(span(compiler, args[0]), span(compiler, args[1]))
