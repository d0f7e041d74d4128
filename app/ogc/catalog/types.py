"""Types of the catalogue: a published property and a published collection."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
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
    """One published property: its public name, SQL expression, type and title.

    A ``personal`` property (owners' names, ID numbers, compensation: Decree 13/2023/NĐ-CP) is
    served to signed-in callers only; anonymous readers see the collection's ``public`` view.
    """

    name: str
    expr: Any
    type: PropertyType
    title: str
    enum: tuple[str, ...] | None = None
    personal: bool = False


@dataclass(frozen=True)
class TileGrid:
    """Up to ``max_zoom``, tiles show square cells of ``cell_px`` pixels with the dominant ``by``.

    A dense layer of sub-pixel parcels (the forest tiling) cannot be drawn feature by feature at
    low zoom; the grid keeps the picture (which category dominates where) in a small tile.
    ``cells`` is the table of precomputed counts (columns ``zoom``, ``i``, ``j``, ``by`` and
    ``features``, e.g. ``forest_tile_cells``), so a tile never reads the features themselves.
    ``tiles`` (columns ``zoom``, ``x``, ``y``, ``tile``, e.g. ``forest_cell_tiles``) holds the
    tiles of cells of zooms ``stored_min_zoom``–``stored_max_zoom``, rendered by the same
    triggers (above ``max_zoom``, tiles of the cells of ``max_zoom``).
    """

    by: str
    cells: Any
    max_zoom: int = 11  # the zooms ``forest_tile_cells`` keeps (migration 0030)
    cell_px: int = 4
    tiles: Any = None
    stored_min_zoom: int = 10  # the zooms ``forest_cell_tiles`` keeps (migrations 0032, 0036)
    stored_max_zoom: int = 12


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
    # The row's registry version (migration 0021): the ETag of a feature, the precondition of
    # its writes (OGC API – Features Part 4). None for layers nobody edits through the API.
    version_expr: Any = None
    # Set on the public view only: the names of the personal properties it leaves out.
    withheld: frozenset[str] = frozenset()
    by_name: dict[str, Property] = field(init=False, repr=False, compare=False)
    public: Collection = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {prop.name: prop for prop in self.properties})
        personal = frozenset(prop.name for prop in self.properties if prop.personal)
        tiled = personal & {*self.tile_properties, *self.tile_detail_properties}
        if tiled:
            raise ValueError(f"{self.id}: personal properties are never in tiles: {sorted(tiled)}")
        public = self
        if personal:
            shown = tuple(prop for prop in self.properties if not prop.personal)
            public = replace(self, properties=shown, withheld=self.withheld | personal)
        object.__setattr__(self, "public", public)

    @property
    def has_personal(self) -> bool:
        """Return whether the collection has personal properties (served or withheld)."""
        return bool(self.withheld) or self.public is not self

    def for_reader(self, *, signed_in: bool) -> Collection:
        """Return the collection a reader sees: all of it signed in, the public view otherwise.

        The one rule for personal data: every query, filter, sort, schema and export is built
        from the collection this returns, so a withheld property is unknown to all of them.
        """
        return self if signed_in else self.public

    def property(self, name: str) -> Property | None:
        """Return the property called ``name``, or None."""
        return self.by_name.get(name)

    def unknown(self, name: str) -> str:
        """Return why ``name`` is not a property of this view (for a 400's detail)."""
        if name in self.withheld:
            return (
                f"'{name}' is personal data (Decree 13/2023/NĐ-CP): sign in (API token or "
                "/sign-in) to read or filter it"
            )
        return f"unknown property '{name}'"


def enum_values(values: type[StrEnum]) -> tuple[str, ...]:
    """Return the values of a StrEnum (allowed values of a property)."""
    return tuple(member.value for member in values)


def prop(
    name: str,
    expr: Any,
    kind: PropertyType,
    title: str,
    enum: Any = None,
    *,
    personal: bool = False,
) -> Property:
    """Declare a property (short form used by the catalogue)."""
    return Property(name, expr, kind, title, enum_values(enum) if enum else None, personal)


S, N, INT, B, D, DT, A = (
    PropertyType.STRING,
    PropertyType.NUMBER,
    PropertyType.INTEGER,
    PropertyType.BOOLEAN,
    PropertyType.DATE,
    PropertyType.DATETIME,
    PropertyType.ARRAY,
)
