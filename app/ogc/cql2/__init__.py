"""CQL2 (cql2-text and cql2-json) → parameterised SQLAlchemy expressions.

Both encodings become the CQL2-JSON tree (text through the ``cql2`` library, wrapped by
:mod:`app.ogc.cql2.text`). The compiler walks that tree once: properties resolve only to
catalogue expressions, every literal becomes a bound parameter, and operand types are checked
first, so a wrong filter is a 400 that names the problem instead of a database error. No request
text ever reaches SQL as text.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from app.ogc.catalog import Collection
from app.ogc.cql2 import geometry as cql2_geometry
from app.ogc.cql2 import temporal as cql2_temporal
from app.ogc.cql2.text import MAX_NESTING, parse_text
from app.ogc.cql2.types import (
    BOOLEAN,
    FAMILY,
    GEOMETRY,
    NUMBER,
    STRING,
    TEMPORAL,
    Node,
    Typed,
    error,
)
from app.ogc.protocol.crs import OgcCrs

FILTER_LANGS = ("cql2-text", "cql2-json")
COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "<>": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}


def parse_filter(text: str, lang: str | None) -> Node:
    """Parse the ``filter`` parameter in ``filter-lang`` (default cql2-text) into a tree.

    Raises:
        InvalidParameter: on malformed text or JSON.
    """
    if lang in (None, "cql2-text", "cql-text"):
        return parse_text(text)
    try:
        node = json.loads(text)
    except RecursionError:  # deeper than Python's own limit
        raise error(TOO_DEEP) from None
    except ValueError as exc:
        raise error(f"not valid JSON: {exc.args[0]}") from None
    if not isinstance(node, dict | bool):
        raise error("a cql2-json filter must be a JSON object")
    if _json_depth(node) > MAX_JSON_DEPTH:
        raise error(TOO_DEEP)
    return node


# An operator is two JSON levels (its object and its "args" list); a polygon literal adds four.
MAX_JSON_DEPTH = 2 * MAX_NESTING + 8
TOO_DEEP = f"the filter is nested more than {MAX_NESTING} operators deep"


def _json_depth(node: Any) -> int:
    """Return how deep objects and arrays nest in ``node`` (capped just past the limit).

    Counted level by level, not recursively: the compiler recurses per level and must never
    meet a tree that Python cannot walk.
    """
    depth, level = 0, [node]
    while level and depth <= MAX_JSON_DEPTH:
        containers = [item for item in level if isinstance(item, dict | list)]
        if not containers:
            break
        depth += 1
        level = [
            child
            for item in containers
            for child in (item.values() if isinstance(item, dict) else item)
        ]
    return depth


class Compiler:
    """Compile one CQL2-JSON tree against one collection."""

    def __init__(self, collection: Collection, filter_crs: OgcCrs) -> None:
        self.collection = collection
        self.filter_crs = filter_crs

    def predicate(self, node: Node) -> Any:
        """Compile a boolean expression."""
        if isinstance(node, bool):
            return sa.true() if node else sa.false()
        op, args = self.op_args(node)
        if op in {"and", "or"}:
            if len(args) < 2:
                raise error(f"'{op}' needs at least two arguments")
            parts = [self.predicate(arg) for arg in args]
            return sa.and_(*parts) if op == "and" else sa.or_(*parts)
        if op == "not":
            self.arity(op, args, 1)
            return sa.not_(self.predicate(args[0]))
        if op in COMPARE:
            return self.compare(op, args)
        if op.startswith("s_"):
            return cql2_geometry.relate(self, op, args)
        if op.startswith("t_"):
            return cql2_temporal.relate(self, op, args)
        return self.advanced(op, args)

    def advanced(self, op: str, args: list[Node]) -> Any:
        """Compile LIKE, BETWEEN, IN and IS NULL."""
        if op == "like":
            self.arity(op, args, 2)
            value, pattern = (self.scalar(arg) for arg in args)
            self.same_family(op, value, pattern, allowed={STRING})
            return value.expr.like(pattern.expr)
        if op == "between":
            self.arity(op, args, 3)
            value, low = self.operands(args[:2])
            high = self.operands([args[0], args[2]])[1]
            for bound in (low, high):
                self.same_family(op, value, bound, allowed={NUMBER, TEMPORAL, STRING})
            return value.expr.between(low.expr, high.expr)
        if op == "in":
            self.arity(op, args, 2)
            if not isinstance(args[1], list) or not args[1]:
                raise error("'in' needs a non-empty list of values")
            value = self.scalar(args[0])
            items = [self.operands([args[0], item])[1] for item in args[1]]
            for item in items:
                self.same_family(op, value, item, allowed={STRING, NUMBER, TEMPORAL, BOOLEAN})
            return value.expr.in_([item.expr for item in items])
        if op == "isNull":
            self.arity(op, args, 1)
            return self.scalar(args[0]).expr.is_(None)
        raise error(f"unknown or unsupported operator '{op}'")

    def compare(self, op: str, args: list[Node]) -> Any:
        """Compile a binary comparison."""
        self.arity(op, args, 2)
        left, right = self.operands(args)
        allowed = (
            {STRING, NUMBER, BOOLEAN, TEMPORAL} if op in {"=", "<>"} else {STRING, NUMBER, TEMPORAL}
        )
        self.same_family(op, left, right, allowed=allowed)
        return COMPARE[op](left.expr, right.expr)

    def operands(self, args: list[Node]) -> tuple[Typed, Typed]:
        """Compile two operands; an ISO date string beside a date property is read as a date.

        GDAL's OAPIF driver sends ``field = '2025-01-01T00:00:00Z'`` for date fields.
        """
        left, right = self.scalar(args[0]), self.scalar(args[1])
        if left.family == TEMPORAL and isinstance(args[1], str):
            right = cql2_temporal.instant({"timestamp": args[1].removesuffix("T")})
        elif right.family == TEMPORAL and isinstance(args[0], str):
            left = cql2_temporal.instant({"timestamp": args[0].removesuffix("T")})
        return left, right

    def scalar(self, node: Node) -> Typed:
        """Compile a scalar operand: property, literal, typed literal or function."""
        if isinstance(node, bool):
            return Typed(sa.literal(node, sa.Boolean), BOOLEAN, str(node).lower())
        if isinstance(node, int | float):
            return Typed(sa.literal(node, sa.Float), NUMBER, repr(node))
        if isinstance(node, str):
            return Typed(sa.literal(node, sa.Text), STRING, repr(node))
        if isinstance(node, dict) and "property" in node:
            return self.property(node["property"])
        if isinstance(node, dict) and ({"date", "timestamp"} & node.keys()):
            return cql2_temporal.instant(node)
        if isinstance(node, dict) and ("type" in node or "bbox" in node):
            return cql2_geometry.literal(node, self.filter_crs)
        op, args = self.op_args(node)
        if op in {"casei", "accenti"}:
            self.arity(op, args, 1)
            inner = self.scalar(args[0])
            self.same_family(op, inner, inner, allowed={STRING})
            function = sa.func.lower if op == "casei" else sa.func.sitereg_fold
            return Typed(function(inner.expr), STRING, f"{op}({inner.label})")
        raise error(f"'{op}' is not a value (expected a property, literal or function)")

    def property(self, name: Any) -> Typed:
        """Resolve a property name to its catalogue expression (never to request text)."""
        if name == "geometry":
            return Typed(self.collection.geometry, GEOMETRY, name)
        prop = self.collection.property(str(name))
        if prop is None:
            names = ", ".join(["geometry", *self.collection.by_name])
            raise error(
                f"{self.collection.unknown(str(name))} in collection "
                f"'{self.collection.id}'; queryables: {names}"
            )
        return Typed(prop.expr, FAMILY[prop.type], prop.name)

    @staticmethod
    def op_args(node: Node) -> tuple[str, list[Node]]:
        """Return the ``op`` and ``args`` of an operation node, or fail."""
        if not isinstance(node, dict) or "op" not in node or "args" not in node:
            raise error(f"expected an operation {{'op', 'args'}}, found {json.dumps(node)[:80]}")
        args = node["args"]
        if not isinstance(node["op"], str) or not isinstance(args, list):
            raise error("'op' must be a string and 'args' an array")
        op = node["op"].lower()
        return ("isNull" if op == "isnull" else op), args

    @staticmethod
    def arity(op: str, args: list[Node], count: int) -> None:
        """Fail unless ``op`` has exactly ``count`` arguments."""
        if len(args) != count:
            raise error(f"'{op}' takes {count} argument(s), got {len(args)}")

    @staticmethod
    def same_family(op: str, left: Typed, right: Typed, *, allowed: set[str]) -> None:
        """Fail unless both operands have one type family that ``op`` accepts."""
        if left.family not in allowed:
            raise error(f"'{op}' cannot apply to {left.label} ({left.family})")
        if left.family != right.family:
            raise error(
                f"'{op}' compares {left.label} ({left.family}) with {right.label} ({right.family})"
            )


def compile_filter(node: Node, collection: Collection, filter_crs: OgcCrs) -> Any:
    """Return the SQL condition of a parsed filter for ``collection``.

    Raises:
        InvalidParameter: for unknown properties, wrong operand types or malformed trees.
    """
    return Compiler(collection, filter_crs).predicate(node)
