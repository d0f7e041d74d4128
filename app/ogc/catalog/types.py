"""Types of the catalogue: a published property and a published collection."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class PropertyType(StrEnum):
    """JSON type of a property, as queryables and CQL2 type checks see it."""

    STRING = "string"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "date-time"
    ARRAY = "array"


@dataclass(frozen=True)
class Property:
    """One published property: its public name, SQL expression, type and title."""

    name: str
    expr: Any
    type: PropertyType
    title: str
    enum: tuple[str, ...] | None = None


@dataclass(frozen=True)
class TileGrid:
    """Up to ``max_zoom``, tiles show square cells of ``cell_px`` pixels with the dominant ``by``.

    A dense layer of sub-pixel parcels (the forest tiling) cannot be drawn feature by feature at
    low zoom; the grid keeps the picture (which category dominates where) in a small tile.
    ``cells`` is the table of precomputed counts (columns ``zoom``, ``i``, ``j``, ``by`` and
    ``features``, e.g. ``forest_tile_cells``), so a tile never reads the features themselves.
    """

    by: str
    cells: Any
    max_zoom: int = 9
    cell_px: int = 4


@dataclass(frozen=True)
class Collection:
    """One published collection of features and where its rows come from."""

    id: str
    title: str
    description: str
    source: Any
    id_expr: Any
    tile_id_expr: Any
    geometry: Any
    geometry_type: str
    properties: tuple[Property, ...]
    licence: str
    where: tuple[Any, ...] = ()
    temporal: str | None = None
    tile_properties: tuple[str, ...] = ("code",)
    tile_detail_properties: tuple[str, ...] = ()
    tile_grid: TileGrid | None = None
    # A stored ``tile_clearance_deg(geom)`` column (migration 0011): at full detail, polygons at
    # least 2 tile units from becoming invalid are snapped without ``ST_AsMVTGeom``.
    tile_clearance: Any = None
    keywords: tuple[str, ...] = ()
    # The row's registry version (migration 0020): the ETag of a feature, the precondition of
    # its writes (OGC API – Features Part 4). None for layers nobody edits through the API.
    version_expr: Any = None
    by_name: dict[str, Property] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {prop.name: prop for prop in self.properties})

    def property(self, name: str) -> Property | None:
        """Return the property called ``name``, or None."""
        return self.by_name.get(name)


def enum_values(values: type[StrEnum]) -> tuple[str, ...]:
    """Return the values of a StrEnum (allowed values of a property)."""
    return tuple(member.value for member in values)


def prop(name: str, expr: Any, kind: PropertyType, title: str, enum: Any = None) -> Property:
    """Declare a property (short form used by the catalogue)."""
    return Property(name, expr, kind, title, enum_values(enum) if enum else None)


S, N, INT, B, D, DT, A = (
    PropertyType.STRING,
    PropertyType.NUMBER,
    PropertyType.INTEGER,
    PropertyType.BOOLEAN,
    PropertyType.DATE,
    PropertyType.DATETIME,
    PropertyType.ARRAY,
)
