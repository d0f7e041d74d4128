"""Shared pieces of the CQL2 compiler: compiled operands and their type families."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from app.errors import InvalidParameter
from app.ogc.catalog import PropertyType

Node = Any

# Coarse type families: the operands of a comparison must share one.
STRING, NUMBER, BOOLEAN, TEMPORAL, GEOMETRY, ARRAY = (
    "string",
    "number",
    "boolean",
    "temporal",
    "geometry",
    "array",
)
FAMILY = {
    PropertyType.STRING: STRING,
    PropertyType.NUMBER: NUMBER,
    PropertyType.INTEGER: NUMBER,
    PropertyType.BOOLEAN: BOOLEAN,
    PropertyType.DATE: TEMPORAL,
    PropertyType.DATETIME: TEMPORAL,
    PropertyType.ARRAY: ARRAY,
}


def error(detail: str, offset: int | None = None) -> InvalidParameter:
    """Return the 400 raised for a malformed filter, with the character position when known."""
    where = f" at character {offset + 1}" if offset is not None else ""
    return InvalidParameter("filter", f"{detail}{where}")


@dataclass(frozen=True)
class Typed:
    """A compiled scalar: its SQL expression, its type family and a label for messages."""

    expr: Any
    family: str
    label: str


class ScalarCompiler(Protocol):
    """What the spatial and temporal helpers need from the compiler."""

    def scalar(self, node: Node) -> Typed:
        """Compile a scalar operand."""

    def arity(self, op: str, args: list[Node], count: int) -> None:
        """Fail unless ``op`` has ``count`` arguments."""
