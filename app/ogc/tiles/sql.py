"""Vector-tile queries: one statement per collection and variant, built once, bound per tile.

Identifiers come from :mod:`app.ogc.catalog`; the tile (``z``, ``x``, ``y``) and every value
derived from it are bound parameters. Building and cache-keying a SQLAlchemy statement costs
about 2 ms of Python, more than PostgreSQL needs for a z14 tile, so each variant (generalised
grid; simplified or full detail; affine or ``ST_Transform`` projection) is built once per
collection and reused. Tiles leave PostgreSQL as finished Mapbox Vector Tiles (``ST_AsMVT``).

Why hand-written rather than tipg's generic tile query: measured faster on the 200 000-parcel
synthetic forest (``bench/interop.py``; round 2 in ``bench/README.md``, method in
``docs/interoperability.md``), at 16 connections 20-22x tipg's tiles per second at z8, 3.2-3.5x
at z10, 1.6-1.9x at z12 and 2.0-2.1x at z14. The gain comes from what a generic query cannot
know: precomputed low-zoom cells, statements prepared once, an affine projection where it is
exact enough, and no clipping of features inside the tile. The Web Mercator constants below
serve that SQL; the published TileMatrixSet document comes from morecantile (``routes``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.dialects.postgresql.psycopg import dialect as psycopg_dialect

from app.ogc.catalog import Collection
from app.ogc.catalog.types import TileGrid
from spatial.crs import WEB_MERCATOR, WGS84

MVT_EXTENT = 4096
MVT_BUFFER = 64
WEB_MERCATOR_WIDTH_M = 40075016.685578488
EARTH_RADIUS_M = 6378137.0
M_PER_DEG_X = WEB_MERCATOR_WIDTH_M / 360
FULL_DETAIL_ZOOM = 12
# A collection with a tile grid (the forest) shows only cells up to GRID_ONLY_ZOOM; up to
# HYBRID_MAX_ZOOM a tile with more features than the budget shows cells too (at z12 the
# cells of z11, 8 pixels). Not above: the choice costs 4-7 ms per tile, mostly planning
# (PostgreSQL keeps custom plans for the two-branch statement), as much as a whole z13 tile.
# A forest parcel of the synthetic layer costs 30-86 bytes of tile from z10 to z12: about
# 2 500 of them make 200 KB, and a tile of cells holds at most 66 x 66 cells, whatever the
# density (bench/README.md, issue 20).
GRID_ONLY_ZOOM = 9
HYBRID_MAX_ZOOM = 12
TILE_FEATURE_BUDGET = 2500
# 2 of 4096 units is 1/8 of a screen pixel of a 256-pixel tile.
MAX_AFFINE_ERROR_UNITS = 2.0
# Below full detail, vertices closer than 1/4 pixel to a simplified edge go: 40 % less data in
# a z10 forest tile, and still half a device pixel on a 2× screen.
SIMPLIFY_UNITS = 4
# Rounding to the integer grid moves a vertex by at most √½ unit, so a vertex and an edge come
# at most √2 units closer: a valid polygon with this much clearance stays valid (migration 0011).
SNAP_SAFE_UNITS = 2.0
Z, X, Y = (sa.bindparam(name, type_=sa.Integer) for name in ("z", "x", "y"))


def _bound(name: str) -> Any:
    return sa.bindparam(name, type_=sa.Float)


@dataclass(frozen=True)
class DriverStatement:
    """A tile statement compiled once for psycopg: its SQL and its constant parameter values."""

    sql: str
    constants: dict[str, Any]


@dataclass(frozen=True)
class TileQuery:
    """The statement of a tile (shared by all tiles of its variant) and the tile's values."""

    statement: Any
    driver: DriverStatement
    params: dict[str, Any]

    def driver_params(self) -> dict[str, Any]:
        """Return the parameters of ``driver.sql``: the constants and this tile's values."""
        return {**self.driver.constants, **self.params}


_STATEMENTS: dict[tuple[str, str], tuple[Collection, Any, DriverStatement]] = {}
_DIALECT = psycopg_dialect()  # type: ignore[no-untyped-call]  # (untyped in SQLAlchemy)


def compile_for_driver(statement: Any) -> DriverStatement:
    """Compile a Core statement once into psycopg SQL plus its constants, types applied.

    A tile then costs one ``cursor.execute`` with no SQLAlchemy compilation, cache lookup or
    result layer: at z12–z14 those cost more than PostgreSQL needs for the tile
    (bench/README.md). The tile's own binds (``z``, ``x``, ``y`` and derived values) are plain
    ints and floats, which psycopg adapts itself.
    """
    compiled = statement.compile(dialect=_DIALECT, compile_kwargs={"render_postcompile": True})
    per_tile = {name: None for name, bind in compiled.binds.items() if bind.required}
    constants: dict[str, Any] = {}
    for name, value in compiled.construct_params(params=per_tile).items():
        if name in per_tile:
            continue  # filled by TileQuery.params for each tile
        bind = compiled.binds.get(name)
        processor = bind.type.bind_processor(_DIALECT) if bind is not None else None
        constants[name] = processor(value) if processor else value
    return DriverStatement(compiled.string, constants)


def tile_select(collection: Collection, z: int, x: int, y: int) -> TileQuery:
    """Return the query of the Mapbox Vector Tile (bytea) of one WebMercatorQuad tile.

    A collection with a grid shows cells up to ``GRID_ONLY_ZOOM``; up to ``HYBRID_MAX_ZOOM`` a
    tile shows its features when it holds at most ``TILE_FEATURE_BUDGET`` of them and cells
    otherwise (``hybrid_tile_statement``); above, the features (docs/map.md).
    """
    tile_m = WEB_MERCATOR_WIDTH_M / (1 << z)
    params: dict[str, Any] = {"z": z, "x": x, "y": y, "margin_m": tile_m * MVT_BUFFER / MVT_EXTENT}
    grid = collection.tile_grid
    if grid is not None and z <= HYBRID_MAX_ZOOM:
        params.update(_grid_params(grid, z, x, y))
        if z <= GRID_ONLY_ZOOM:
            return TileQuery(*_statement(collection, "grid"), params=params)
    params["unclipped_margin_m"] = tile_m * (MVT_BUFFER - MAX_AFFINE_ERROR_UNITS) / MVT_EXTENT
    params["tolerance_deg"] = _tile_size_deg(z) / MVT_EXTENT * SIMPLIFY_UNITS
    params["pixel_deg"] = _tile_size_deg(z) / 256
    affine = _affine_y(z, y)
    if affine is not None:
        params["m_per_deg_y"], params["y_offset_m"] = affine
        params.update(_tile_units(z, x, y, *affine))
    detail = "detail" if z >= FULL_DETAIL_ZOOM else "simplified"
    variant = f"{detail}-{'affine' if affine else 'transform'}"
    if grid is not None and z <= HYBRID_MAX_ZOOM:
        variant = f"hybrid-{variant}"
    return TileQuery(*_statement(collection, variant), params=params)


def _grid_params(grid: TileGrid, z: int, x: int, y: int) -> dict[str, Any]:
    """Return the binds of the grid part of a tile: the cells it shows, and those it counts."""
    tile_m = WEB_MERCATOR_WIDTH_M / (1 << z)
    cell_zoom, count_zoom = min(z, grid.max_zoom), max(0, min(z - 3, grid.max_zoom))
    return {
        "cell_zoom": cell_zoom,
        "cell_deg": _tile_size_deg(cell_zoom) / 256 * grid.cell_px,
        "count_zoom": count_zoom,
        "count_cell_deg": _tile_size_deg(count_zoom) / 256 * grid.cell_px,
        "tile_west_m": -WEB_MERCATOR_WIDTH_M / 2 + x * tile_m,
        "tile_north_m": WEB_MERCATOR_WIDTH_M / 2 - y * tile_m,
        "units_per_m": MVT_EXTENT / tile_m,
        "feature_budget": TILE_FEATURE_BUDGET,
    }


def _statement(collection: Collection, variant: str) -> tuple[Any, DriverStatement]:
    cached = _STATEMENTS.get((collection.id, variant))
    if cached is not None and cached[0] is collection:
        return cached[1], cached[2]
    statement = _build(collection, variant)
    driver = compile_for_driver(statement)
    _STATEMENTS[(collection.id, variant)] = (collection, statement, driver)
    return statement, driver


def _build(collection: Collection, variant: str) -> Any:
    """Return the statement of a variant: ``grid``, or ``[hybrid-]<detail>-<projection>``."""
    grid = collection.tile_grid
    if variant == "grid":
        assert grid is not None
        return grid_tile_statement(collection, grid)
    *hybrid, detail, projection = variant.split("-")
    features = feature_tile_statement(
        collection, detail=detail == "detail", affine=projection == "affine"
    )
    if not hybrid:
        return features
    assert grid is not None
    return hybrid_tile_statement(collection, grid, features)


def _tile_size_deg(z: int) -> float:
    return 360.0 / (1 << z)


def _affine_y(z: int, y: int) -> tuple[float, float] | None:
    """Return the affine lat → Web Mercator y (m/°, offset m) of a tile row, or None.

    ``ST_Transform`` costs about 20 µs per parcel, most of a z10 tile's time. Within one tile,
    Web Mercator is an affine map of lon/lat up to the curvature of y(lat): the secant through
    the tile's top and bottom edges is exact on both edges (no seams between tiles) and off by
    at most ``R·sec φ·tan φ·h²/8`` inside. Where that exceeds ``MAX_AFFINE_ERROR_UNITS`` of the
    4096 tile units (below z10 at Vietnam's latitudes), the caller keeps ``ST_Transform``.
    """
    tile_m = WEB_MERCATOR_WIDTH_M / (1 << z)
    top_m = WEB_MERCATOR_WIDTH_M / 2 - y * tile_m
    top_deg, bottom_deg = _latitude_deg(top_m), _latitude_deg(top_m - tile_m)
    worst = math.radians(max(abs(top_deg), abs(bottom_deg)))
    height_rad = math.radians(top_deg - bottom_deg)
    error_m = EARTH_RADIUS_M * math.tan(worst) / math.cos(worst) * height_rad**2 / 8
    if error_m / tile_m * MVT_EXTENT > MAX_AFFINE_ERROR_UNITS:
        return None
    m_per_deg_y = tile_m / (top_deg - bottom_deg)
    return m_per_deg_y, top_m - m_per_deg_y * top_deg


def _tile_units(z: int, x: int, y: int, m_per_deg_y: float, y_offset_m: float) -> dict[str, float]:
    """Return the affine lon/lat → tile units (0–4096, y down) of a tile, and the snap clearance.

    The affine composes the same secant lon/lat → Web Mercator map with the Mercator → tile-unit
    map that ``ST_AsMVTGeom`` applies. The clearance (degrees) is what a polygon needs to be
    snapped to those units without re-validation (``SNAP_SAFE_UNITS``): the map only scales each
    axis, so a distance of d degrees is at least d times the smaller scale in tile units.
    """
    tile_m = WEB_MERCATOR_WIDTH_M / (1 << z)
    per_m = MVT_EXTENT / tile_m
    west_m = -WEB_MERCATOR_WIDTH_M / 2 + x * tile_m
    top_m = WEB_MERCATOR_WIDTH_M / 2 - y * tile_m
    unit_x, unit_y = per_m * M_PER_DEG_X, -per_m * m_per_deg_y
    return {
        "unit_x": unit_x,
        "unit_x_offset": -per_m * west_m,
        "unit_y": unit_y,
        "unit_y_offset": per_m * (top_m - y_offset_m),
        "snap_clearance_deg": SNAP_SAFE_UNITS / min(unit_x, -unit_y),
    }


def _latitude_deg(y_m: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y_m / EARTH_RADIUS_M)) - math.pi / 2)


def _tile_geometry(collection: Collection, *, detail: bool, affine: bool) -> Any:
    """Simplify in degrees first (fewer points to project), then clip to tile coordinates."""
    geometry = collection.geometry
    if not detail:
        geometry = sa.func.ST_Simplify(geometry, _bound("tolerance_deg"), True)
    if affine:
        geometry = sa.func.ST_Affine(
            geometry, M_PER_DEG_X, 0.0, 0.0, _bound("m_per_deg_y"), 0.0, _bound("y_offset_m")
        )
    else:
        geometry = sa.func.ST_Transform(geometry, WEB_MERCATOR)
    envelope = sa.func.ST_TileEnvelope(Z, X, Y)
    # A feature whose bbox lies inside the tile and its buffer needs no clipping: same bytes,
    # ~20 % less time for a z12 forest tile of 400 parcels (bench/README.md). The box stops
    # MAX_AFFINE_ERROR_UNITS short of the buffer's edge, so the affine map cannot carry a vertex
    # past it. The box in lon/lat is an InitPlan, computed once per tile even under a generic
    # prepared plan.
    unclipped_box = sa.func.ST_Expand(envelope, _bound("unclipped_margin_m"))
    inside = collection.geometry.op("@")(
        sa.select(sa.func.ST_Transform(unclipped_box, WGS84)).scalar_subquery()
    )
    unclipped: Any = sa.func.ST_AsMVTGeom(geometry, envelope, MVT_EXTENT, MVT_BUFFER, False)
    if detail and affine and collection.tile_clearance is not None:
        unclipped = sa.case(
            (collection.tile_clearance >= _bound("snap_clearance_deg"), _snapped(collection)),
            else_=unclipped,
        )
    return sa.case(
        (inside, unclipped),
        else_=sa.func.ST_AsMVTGeom(geometry, envelope, MVT_EXTENT, MVT_BUFFER, True),
    )


def _snapped(collection: Collection) -> Any:
    """Return a polygon in tile units as ``ST_AsMVTGeom`` would, without its re-validation.

    Only for features inside the tile whose clearance survives the snap (``_tile_units``): the
    affine to tile units, rounding to the integer grid, and the ring orientation that
    ``ST_AsMVTGeom`` gives (exterior counter-clockwise in PostGIS's sense, which is clockwise on
    the y-down tile). The same polygon up to the rings' start vertex and collinear vertices,
    about a fifth of the time (bench/README.md).
    """
    in_units = sa.func.ST_Affine(
        collection.geometry,
        _bound("unit_x"),
        0.0,
        0.0,
        _bound("unit_y"),
        _bound("unit_x_offset"),
        _bound("unit_y_offset"),
    )
    return sa.func.ST_ForcePolygonCCW(sa.func.ST_SnapToGrid(in_units, 1.0))


def _buffered_tile() -> Any:
    """Return the tile with the MVT buffer, in lon/lat (computed once per query)."""
    return sa.func.ST_Transform(
        sa.func.ST_Expand(sa.func.ST_TileEnvelope(Z, X, Y), _bound("margin_m")), WGS84
    )


def _tile_conditions(collection: Collection, *, detail: bool) -> list[Any]:
    """Return the tile's bbox test (with the MVT buffer) and, below full detail, a size test."""
    conditions = [*collection.where, collection.geometry.op("&&")(_buffered_tile())]
    if not detail and "Point" not in collection.geometry_type:
        # Below full detail, a feature smaller than one pixel (256 px tiles) would not show.
        pixel_deg, geometry = _bound("pixel_deg"), collection.geometry
        conditions.append(
            sa.or_(
                sa.func.ST_XMax(geometry) - sa.func.ST_XMin(geometry) >= pixel_deg,
                sa.func.ST_YMax(geometry) - sa.func.ST_YMin(geometry) >= pixel_deg,
            )
        )
    return conditions


def _mvt(rows: Any, collection: Collection) -> Any:
    layer = sa.literal(collection.id, sa.Text)
    return sa.select(
        sa.func.ST_AsMVT(
            rows.table_valued(), layer, MVT_EXTENT, sa.literal("geom"), sa.literal("id")
        )
    ).select_from(rows)


def feature_tile_statement(collection: Collection, *, detail: bool, affine: bool) -> Any:
    """Return the tile statement that encodes the features themselves (binds: see tile_select)."""
    names = collection.tile_properties
    if detail:
        names += collection.tile_detail_properties
    columns = [collection.tile_id_expr.label("id")]
    columns += [collection.by_name[name].expr.label(name) for name in names]
    geometry = _tile_geometry(collection, detail=detail, affine=affine)
    rows = (
        sa.select(*columns, geometry.label("geom"))
        .select_from(collection.source)
        .where(*_tile_conditions(collection, detail=detail))
        .order_by(collection.tile_id_expr)  # same bytes every time: stable ETags
        .subquery("mvt")
    )
    return _mvt(rows, collection)


def _grid_cells(grid: TileGrid) -> Any:
    """Return the precomputed cells of zoom ``cell_zoom`` whose squares meet the buffered tile.

    The cell range is computed once from the tile envelope (immutable functions of bound
    values), so the primary key ``(zoom, i, j, …)`` serves it as an index range.
    """
    cells = grid.cells
    return (
        sa.select(cells.c.i, cells.c.j, cells.c[grid.by].label("value"), cells.c.features)
        .where(*_cells_in_tile(grid))
        .subquery("cells")
    )


def _cells_in_tile(grid: TileGrid) -> list[Any]:
    """Return the conditions of the cells of zoom ``cell_zoom`` meeting the buffered tile."""
    cell_deg, bounds = _bound("cell_deg"), _buffered_tile()

    def first(edge: Any) -> Any:
        return sa.func.floor(edge(bounds) / cell_deg)

    return _cell_range(grid, "cell_zoom", first, first)


def _cells_counted(grid: TileGrid) -> list[Any]:
    """Return the conditions of the cells of zoom ``count_zoom`` whose corner is in the tile.

    The cells whose south-west corner lies nearest inside the tile (no buffer): their counts
    sum to about the tile's parcels, a row of cells more or less at each edge.
    """
    cell_deg = _bound("count_cell_deg")
    bounds = sa.func.ST_Transform(sa.func.ST_TileEnvelope(Z, X, Y), WGS84)

    def first(edge: Any) -> Any:
        return sa.func.round(edge(bounds) / cell_deg)

    def last(edge: Any) -> Any:
        return sa.func.round(edge(bounds) / cell_deg) - 1

    return _cell_range(grid, "count_zoom", first, last)


def _cell_range(grid: TileGrid, zoom: str, first: Any, last: Any) -> list[Any]:
    """Return the cells of zoom ``:zoom`` from ``first`` to ``last`` of the tile's edges."""
    cells = grid.cells

    def index(position: Any, edge: Any) -> Any:
        return sa.cast(position(edge), sa.Integer)

    # i = ANY(the tile's columns), not i BETWEEN: the primary key (zoom, i, j, …) then gives
    # one short j range per column, where a range on i scans every j of those columns (at z11,
    # the whole layer's height): 20 → 1.4 ms for a z12 tile's count (bench/README.md).
    columns = sa.select(
        sa.func.generate_series(index(first, sa.func.ST_XMin), index(last, sa.func.ST_XMax))
    )
    return [
        cells.c.zoom == sa.bindparam(zoom, type_=sa.SmallInteger),
        cells.c.i == sa.any_(sa.func.array(columns.scalar_subquery())),
        cells.c.j.between(index(first, sa.func.ST_YMin), index(last, sa.func.ST_YMax)),
    ]


def _cell_rectangle(i: Any, j: Any, cell_deg: Any) -> Any:
    """Return cell (i, j) as the rectangle ``ST_AsMVTGeom`` would make of it, without it.

    A lon/lat square is a rectangle in Web Mercator (x = R·λ, y = R·ln tan(π/4 + φ/2)), so its
    tile units are four numbers: scaled, rounded to the integer grid and clipped to the
    buffered tile as ``ST_AsMVTGeom`` does, with its ring order and orientation, and NULL where
    the clipped rectangle has no area (``ST_AsMVTGeom`` returns NULL there too). A z8 forest
    tile holds about 3 000 cells; ``ST_Transform`` plus ``ST_AsMVTGeom`` cost about 9 µs each,
    most of the tile's time. The tests compare every cell with ``ST_AsMVTGeom``'s.
    """
    per_m = _bound("units_per_m")

    def units(value: Any) -> Any:
        return sa.func.greatest(
            -MVT_BUFFER, sa.func.least(MVT_EXTENT + MVT_BUFFER, sa.func.round(value * per_m))
        )

    def mercator_y(lat_deg: Any) -> Any:
        half_angle = math.pi / 4 + sa.func.radians(lat_deg) / 2
        return EARTH_RADIUS_M * sa.func.ln(sa.func.tan(half_angle))

    west_m, north_m = _bound("tile_west_m"), _bound("tile_north_m")
    x0 = units(EARTH_RADIUS_M * sa.func.radians(i * cell_deg) - west_m)
    x1 = units(EARTH_RADIUS_M * sa.func.radians((i + 1) * cell_deg) - west_m)
    y0 = units(north_m - mercator_y((j + 1) * cell_deg))
    y1 = units(north_m - mercator_y(j * cell_deg))
    corners = [(x1, y0), (x1, y1), (x0, y1), (x0, y0), (x1, y0)]
    ring = sa.func.ST_MakeLine(postgresql.array([sa.func.ST_MakePoint(*c) for c in corners]))
    return sa.case((sa.and_(x1 > x0, y1 > y0), sa.func.ST_MakePolygon(ring)), else_=None)


def grid_tile_statement(collection: Collection, grid: TileGrid) -> Any:
    """Return the generalised tile: square cells with the dominant value of ``grid.by``.

    Reads the counts that ``grid.cells`` keeps per cell and value (a feature counts in the
    cell of its south-west bbox corner), never the features: a z8 forest tile covers 60 000.
    """
    cells, cell_deg = _grid_cells(grid), _bound("cell_deg")
    dominant = (
        sa.select(cells)
        .ext(distinct_on(cells.c.i, cells.c.j))
        .order_by(cells.c.i, cells.c.j, cells.c.features.desc(), cells.c.value)
        .subquery("dominant")
    )
    geom = _cell_rectangle(dominant.c.i, dominant.c.j, cell_deg)
    rows = sa.select(
        sa.func.row_number().over(order_by=(dominant.c.i, dominant.c.j)).label("id"),
        dominant.c.value.label(grid.by),
        dominant.c.features.label("features"),
        geom.label("geom"),
    ).subquery("mvt")
    return _mvt(rows, collection)


def hybrid_tile_statement(collection: Collection, grid: TileGrid, features: Any) -> Any:
    """Return the tile of the features, or of cells when the tile holds more than the budget.

    The count sums the cells of zoom z − 3 in the tile (8 × 8 of them), never the features:
    the tile's own cells (66 × 66) lie scattered in the table's heap, and reading them took
    18 ms of a z12 tile at 1 000 000 parcels. It is an estimate (a row of cells more or less
    at the edges), which is all a budget needs.
    Each branch is an InitPlan, which PostgreSQL runs only when the ``CASE`` reaches it, so a
    tile pays for one of the two and for the count.
    """
    cells = grid.cells
    counted = sa.select(sa.func.coalesce(sa.func.sum(cells.c.features), 0)).where(
        *_cells_counted(grid)
    )
    dense = counted.scalar_subquery() > sa.bindparam("feature_budget", type_=sa.Integer)
    return sa.select(
        sa.case(
            (dense, grid_tile_statement(collection, grid).scalar_subquery()),
            else_=features.scalar_subquery(),
        )
    )
