"""Stored forest tiles of cells at zooms 10–11, rendered by the triggers that keep the cells.

At 1 000 000 parcels a dense z10 tile of cells read 4 000 cell rows scattered through the heap
and encoded 66 × 66 rectangles: 100–140 ms of PostgreSQL, against a p99 goal of 250 ms at 16
connections (issue 20). ``forest_cell_tiles`` keeps each of those tiles finished, as the tiles
API makes it (``app.ogc.tiles.grid.grid_tile_statement``; a test compares them byte for byte).
The statement triggers of 0006/0030 render again, in the same transaction, every stored tile
whose cells a statement changes, so a stored tile never disagrees with the parcels: each tile
behind an advisory lock, rendered after the lock from a fresh snapshot (READ COMMITTED), so of
two imports that change one tile, the second renders it with the first's parcels. Only zooms
10–11: lower zooms are cheap enough to make per request, and every stored zoom costs each
write one tile render (about 0.1 s for a dense tile).

Revision ID: 0032_tile_pyramid
Revises: 0030_tile_generalisation
Create Date: 2026-12-07 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032_tile_pyramid"
down_revision: str | None = "0030_tile_generalisation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FIRST_ZOOM, LAST_ZOOM = 10, 11

# The tile of cells of app.ogc.tiles.grid.grid_tile_statement, with its binds (tile_select,
# grid_params) computed from z, x, y in the same floating-point steps, so the bytes are equal.
CELL_TILE = """
CREATE FUNCTION forest_cell_tile(z integer, x integer, y integer) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
WITH size AS (
    SELECT 40075016.685578488::float8 / (1::bigint << z) AS tile_m,
        360.0::float8 / (1::bigint << z) / 256 * 4 AS cell_deg
),
tile AS (
    SELECT cell_deg,
        -40075016.685578488::float8 / 2 + x * tile_m AS west_m,
        40075016.685578488::float8 / 2 - y * tile_m AS north_m,
        4096 / tile_m AS per_m,
        ST_Transform(ST_Expand(ST_TileEnvelope(z, x, y), tile_m * 64 / 4096), 4326) AS buffered
    FROM size
),
dominant AS (
    SELECT DISTINCT ON (c.i, c.j) c.i, c.j, c.category, c.features
    FROM forest_tile_cells AS c, tile AS t
    WHERE c.zoom = z
      -- i = ANY(columns), not BETWEEN: one short j range per column of the primary key
      AND c.i = ANY(ARRAY(SELECT generate_series(
          floor(ST_XMin(t.buffered) / t.cell_deg)::integer,
          floor(ST_XMax(t.buffered) / t.cell_deg)::integer)))
      AND c.j BETWEEN floor(ST_YMin(t.buffered) / t.cell_deg)::integer
                  AND floor(ST_YMax(t.buffered) / t.cell_deg)::integer
    ORDER BY c.i, c.j, c.features DESC, c.category
),
edges AS (
    SELECT d.i, d.j, d.category, d.features,
        greatest(-64, least(4160, round(
            (6378137.0 * radians(d.i * t.cell_deg) - t.west_m) * t.per_m))) AS x0,
        greatest(-64, least(4160, round(
            (6378137.0 * radians((d.i + 1) * t.cell_deg) - t.west_m) * t.per_m))) AS x1,
        greatest(-64, least(4160, round((t.north_m - 6378137.0 * ln(tan(
            0.7853981633974483::float8 + radians((d.j + 1) * t.cell_deg) / 2))) * t.per_m)))
            AS y0,
        greatest(-64, least(4160, round((t.north_m - 6378137.0 * ln(tan(
            0.7853981633974483::float8 + radians(d.j * t.cell_deg) / 2))) * t.per_m))) AS y1
    FROM dominant AS d, tile AS t
)
SELECT ST_AsMVT(mvt, 'forest', 4096, 'geom', 'id')
FROM (
    SELECT row_number() OVER (ORDER BY e.i, e.j) AS id, e.category, e.features,
        CASE WHEN e.x1 > e.x0 AND e.y1 > e.y0 THEN ST_MakePolygon(ST_MakeLine(ARRAY[
            ST_MakePoint(e.x1, e.y0), ST_MakePoint(e.x1, e.y1), ST_MakePoint(e.x0, e.y1),
            ST_MakePoint(e.x0, e.y0), ST_MakePoint(e.x1, e.y0)])) END AS geom
    FROM edges AS e
) AS mvt
$$
"""

# The tiles of zoom ``zoom`` that may show the cell holding (lon, lat): those whose buffered
# envelope (64 units, one cell) meets the cell, with one more cell of slack all round. Cells
# are 1/64 of a tile wide, so an inner cell has one tile and a cell at an edge two to four.
TILES_OF = """
CREATE FUNCTION forest_cell_tiles_of(zoom integer, lon float8, lat float8)
RETURNS TABLE (x integer, y integer)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
WITH size AS (
    SELECT 360.0::float8 / (1::bigint << zoom) AS tile_deg,
        40075016.685578488::float8 / (1::bigint << zoom) AS tile_m,
        360.0::float8 / (1::bigint << (zoom + 6)) AS cell_deg,
        (1 << zoom) - 1 AS last
),
cell AS (
    SELECT s.*, floor(lon / s.cell_deg) * s.cell_deg AS west,
        floor(lat / s.cell_deg) * s.cell_deg AS south
    FROM size AS s
),
span AS (
    SELECT c.last,
        floor((c.west - 2 * c.cell_deg + 180) / c.tile_deg)::integer AS x_first,
        floor((c.west + 3 * c.cell_deg + 180) / c.tile_deg)::integer AS x_last,
        floor((20037508.342789244 - 6378137.0 * ln(tan(0.7853981633974483::float8
            + radians(least(85.0, c.south + 3 * c.cell_deg)) / 2))) / c.tile_m)::integer AS y_first,
        floor((20037508.342789244 - 6378137.0 * ln(tan(0.7853981633974483::float8
            + radians(greatest(-85.0, c.south - 2 * c.cell_deg)) / 2))) / c.tile_m)::integer AS y_last
    FROM cell AS c
)
SELECT tx, ty
FROM span,
    generate_series(greatest(0, x_first), least(last, x_last)) AS tx,
    generate_series(greatest(0, y_first), least(last, y_last)) AS ty
$$
"""

REFRESH = """
CREATE FUNCTION forest_cell_tiles_refresh(tile_zoom integer, tile_x integer, tile_y integer)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    rendered bytea;
BEGIN
    -- One writer per tile at a time; the render below takes its own snapshot after the lock,
    -- so it sees the parcels of any transaction that held the lock before.
    PERFORM pg_advisory_xact_lock(
        hashtext('forest_cell_tiles'), (tile_zoom * 4096 + tile_x) * 4096 + tile_y);
    rendered := forest_cell_tile(tile_zoom, tile_x, tile_y);
    IF rendered IS NULL OR length(rendered) = 0 THEN
        DELETE FROM forest_cell_tiles
        WHERE zoom = tile_zoom AND x = tile_x AND y = tile_y;
    ELSE
        INSERT INTO forest_cell_tiles AS stored (zoom, x, y, tile)
        VALUES (tile_zoom, tile_x, tile_y, rendered)
        ON CONFLICT (zoom, x, y) DO UPDATE SET tile = excluded.tile;
    END IF;
END
$$
"""

# As in 0030, plus the stored tiles that the changed rows' cells lie in.
APPLY = """
INSERT INTO forest_tile_cells AS cell (zoom, i, j, category, features)
SELECT
    zoom,
    floor(ST_XMin(changed.geom) / (360.0 / 2 ^ (zoom + 6)))::integer,
    floor(ST_YMin(changed.geom) / (360.0 / 2 ^ (zoom + 6)))::integer,
    changed.category,
    sum(changed.delta)
FROM ({rows}) AS changed
CROSS JOIN generate_series(0, 11) AS zoom
WHERE ST_XMax(changed.geom) - ST_XMin(changed.geom) >= 360.0 / 2 ^ 20
    OR ST_YMax(changed.geom) - ST_YMin(changed.geom) >= 360.0 / 2 ^ 20
GROUP BY 1, 2, 3, 4
ON CONFLICT (zoom, i, j, category) DO UPDATE
SET features = cell.features + excluded.features
"""
RENDER = """
PERFORM forest_cell_tiles_refresh(touched.zoom, touched.x, touched.y)
FROM (
    SELECT DISTINCT zoom, tile.x, tile.y
    FROM ({rows}) AS changed
    CROSS JOIN generate_series({first}, {last}) AS zoom
    CROSS JOIN LATERAL forest_cell_tiles_of(
        zoom, ST_XMin(changed.geom), ST_YMin(changed.geom)) AS tile
    ORDER BY 1, 2, 3
) AS touched
"""
NEW_ROWS = "SELECT category, geom, 1 AS delta FROM new_rows"
OLD_ROWS = "SELECT category, geom, -1 AS delta FROM old_rows"


def sync_function(render: bool) -> str:
    """Return the trigger function of the cells, rendering the stored tiles when ``render``."""
    steps = {}
    for name, rows in (
        ("insert", NEW_ROWS),
        ("delete", OLD_ROWS),
        ("update", OLD_ROWS + " UNION ALL " + NEW_ROWS),
    ):
        steps[name] = APPLY.format(rows=rows)
        if name != "insert":
            steps[name] += ";\n        DELETE FROM forest_tile_cells WHERE features <= 0"
        if render:
            steps[name] += ";\n" + RENDER.format(rows=rows, first=FIRST_ZOOM, last=LAST_ZOOM)
    truncate = "DELETE FROM forest_tile_cells"
    if render:
        truncate += ";\n        DELETE FROM forest_cell_tiles"
    return f"""
CREATE OR REPLACE FUNCTION forest_tile_cells_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        {truncate};
    ELSIF TG_OP = 'INSERT' THEN
        {steps["insert"]};
    ELSIF TG_OP = 'DELETE' THEN
        {steps["delete"]};
    ELSE
        {steps["update"]};
    END IF;
    RETURN NULL;
END
$$
"""  # noqa: S608 (constant SQL of this module; no input reaches it)


FILL = f"""
SELECT forest_cell_tiles_refresh(touched.zoom, touched.x, touched.y)
FROM (
    SELECT DISTINCT cells.zoom, tile.x, tile.y
    FROM (
        SELECT DISTINCT zoom, i, j FROM forest_tile_cells
        WHERE zoom BETWEEN {FIRST_ZOOM} AND {LAST_ZOOM}
    ) AS cells
    CROSS JOIN LATERAL forest_cell_tiles_of(
        cells.zoom, cells.i * (360.0 / 2 ^ (cells.zoom + 6)),
        cells.j * (360.0 / 2 ^ (cells.zoom + 6))) AS tile
    ORDER BY 1, 2, 3
) AS touched
"""  # noqa: S608 (constant SQL of this module; no input reaches it)


def upgrade() -> None:
    op.create_table(
        "forest_cell_tiles",
        sa.Column("zoom", sa.SmallInteger(), nullable=False),
        sa.Column("x", sa.Integer(), nullable=False),
        sa.Column("y", sa.Integer(), nullable=False),
        sa.Column("tile", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("zoom", "x", "y", name=op.f("pk_forest_cell_tiles")),
    )
    # Stored uncompressed: a tile of cells compresses 5×, but every read would pay the
    # decompression (4.1 → 2.7 ms median for a z10 tile at 1 000 000 parcels, bench/README.md).
    op.execute("ALTER TABLE forest_cell_tiles ALTER COLUMN tile SET STORAGE EXTERNAL")
    op.execute(CELL_TILE)
    op.execute(TILES_OF)
    op.execute(REFRESH)
    op.execute(sync_function(render=True))
    op.execute(FILL)


def downgrade() -> None:
    op.execute(sync_function(render=False))
    op.execute("DROP FUNCTION forest_cell_tiles_refresh(integer, integer, integer)")
    op.execute("DROP FUNCTION forest_cell_tiles_of(integer, double precision, double precision)")
    op.execute("DROP FUNCTION forest_cell_tile(integer, integer, integer)")
    op.drop_table("forest_cell_tiles")
