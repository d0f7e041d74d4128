"""Precomputed low-zoom tile cells of the forest layer, kept current by database triggers."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base
from app.models.common import enum_type
from app.models.enums import ForestCategory


class ForestTileCell(Base):
    """Forest parcels counted per category in one square cell of a low-zoom tile grid.

    A cell of zoom ``zoom`` (0–11) is 4 pixels of a 256-pixel WebMercatorQuad tile wide:
    ``360 / 2^(zoom + 6)`` degrees, cell ``(i, j)`` starting at ``(i, j) × size`` (lon, lat).
    A parcel counts in the cell of its bounding box's south-west corner. Statement triggers on
    ``forest_parcels`` (migration ``0006_forest_tile_cells``, zooms 10–11 since
    ``0030_tile_generalisation``) keep the counts current, so a z8 tile reads a few thousand
    cells instead of 60 000 parcels, and a tile up to z11 holds at most 66 × 66 cells however
    dense the parcels under it.
    """

    __tablename__ = "forest_tile_cells"

    zoom: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    i: Mapped[int] = mapped_column(primary_key=True)
    j: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[ForestCategory] = mapped_column(
        enum_type(ForestCategory, "forest_category"), primary_key=True
    )
    features: Mapped[int] = mapped_column()


class ForestCellTile(Base):
    """A finished Mapbox Vector Tile of forest cells, for the zooms where rendering them costs.

    The tile of cells (``app.ogc.tiles.grid.grid_tile_statement``) of each WebMercatorQuad tile
    of zooms 10–11 that meets a cell, as the tiles API would make it: rendered again by the
    statement triggers on ``forest_parcels`` (migration ``0032_tile_pyramid``) in the
    transaction that changes the cells under it, so it never disagrees with them. A dense z10
    tile is then one primary-key read instead of 4 000 cells scattered through the heap.
    """

    __tablename__ = "forest_cell_tiles"

    zoom: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    x: Mapped[int] = mapped_column(primary_key=True)
    y: Mapped[int] = mapped_column(primary_key=True)
    tile: Mapped[bytes] = mapped_column(sa.LargeBinary)
