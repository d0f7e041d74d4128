"""Stored forest tiles of cells at zoom 12 too: the z11 cells (8 pixels) of a dense z12 tile.

At 1 000 000 parcels a z12 tile holds 1 600-1 900 parcels of 3-6 pixels, made per request in
20-25 ms of PostgreSQL: at 16 connections on two CPUs, p99 230 ms against a goal of 100 ms
(issue 20). The tiles API now shows a z12 tile's cells wherever it holds more parcels than can
each have the area of one of its 8-pixel cells (``app.ogc.tiles.sql.feature_budget``), and
those tiles of cells are kept finished in ``forest_cell_tiles`` as 0032 keeps zooms 10-11.

- ``forest_cell_tile(z, x, y)`` draws the cells of zoom ``least(z, 11)``: the cells that
  ``forest_tile_cells`` keeps end at zoom 11 and a z12 tile shows those (``grid_params``'s
  ``cell_zoom``), with the same floating-point steps, so the bytes stay the API's.
- Statement triggers of their own (``forest_z12_tiles_*``, after ``forest_tile_cells_*`` by
  name, so the cells are counted first) render again the z12 tiles that the changed rows'
  zoom-11 cells fall in: the z12 tiles that may show any of the cell's four z12 quarters
  (``forest_cell_tiles_of``, one z12 cell of buffer and one of slack), each tile behind the
  advisory lock of ``forest_cell_tiles_refresh``. A TRUNCATE empties every stored tile already
  (0032). Kept apart from ``forest_tile_cells_sync`` so the two can change independently.

Revision ID: 0036_z12_tiles
Revises: 0034_import_speed
Create Date: 2026-12-07 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0036_z12_tiles"
down_revision: str | None = "0034_import_speed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ZOOM = 12  # the stored zoom added here
CELL_ZOOM = 11  # the finest cells forest_tile_cells keeps (0030)

# 0032's function with the cells of zoom least(z, 11): ``{cell_zoom}`` is the only change.
CELL_TILE = """
CREATE OR REPLACE FUNCTION forest_cell_tile(z integer, x integer, y integer) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
WITH size AS (
    SELECT 40075016.685578488::float8 / (1::bigint << z) AS tile_m,
        360.0::float8 / (1::bigint << {cell_zoom}) / 256 * 4 AS cell_deg
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
    WHERE c.zoom = {cell_zoom}
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
            0.7853981633974483::float8 + radians(d.j * t.cell_deg) / 2))) * t.per_m)))
            AS y1
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

# The z12 tiles that may show a zoom-11 cell (i, j): those of its four z12 quarters, each as
# 0032's forest_cell_tiles_of finds them. Its tiles are the columns its longitude gives times
# the rows its latitude gives, so the columns are found once per distinct i and the rows once
# per distinct j (an import of a million parcels changes 570 000 cells: 12.7 s for a call per
# quarter of each, against a few hundred calls here).
TILES_OF_CELLS = """
WITH cells AS MATERIALIZED ({cells}),
columns AS (
    SELECT DISTINCT c.i, tile.x
    FROM (SELECT DISTINCT i FROM cells) AS c
    CROSS JOIN generate_series(0, 1) AS quarter
    CROSS JOIN LATERAL forest_cell_tiles_of(
        12, (2 * c.i + quarter + 0.5) * (360.0 / 2 ^ 18), 0.0) AS tile
),
tile_rows AS (
    SELECT DISTINCT c.j, tile.y
    FROM (SELECT DISTINCT j FROM cells) AS c
    CROSS JOIN generate_series(0, 1) AS quarter
    CROSS JOIN LATERAL forest_cell_tiles_of(
        12, 0.0, (2 * c.j + quarter + 0.5) * (360.0 / 2 ^ 18)) AS tile
)
SELECT DISTINCT columns.x, tile_rows.y
FROM cells
JOIN columns ON columns.i = cells.i
JOIN tile_rows ON tile_rows.j = cells.j
ORDER BY 1, 2
"""
CHANGED_CELLS = """
SELECT DISTINCT floor(ST_XMin(changed.geom) / (360.0 / 2 ^ 17))::integer AS i,
       floor(ST_YMin(changed.geom) / (360.0 / 2 ^ 17))::integer AS j
FROM ({rows}) AS changed
"""
NEW_ROWS = "SELECT geom FROM new_rows"
OLD_ROWS = "SELECT geom FROM old_rows"


def sync_function() -> str:
    """Return the trigger function that renders again the z12 tiles a statement changes."""
    statements = {}
    for name, rows in (
        ("insert", NEW_ROWS),
        ("delete", OLD_ROWS),
        ("update", OLD_ROWS + " UNION ALL " + NEW_ROWS),
    ):
        touched = TILES_OF_CELLS.format(cells=CHANGED_CELLS.format(rows=rows))
        statements[name] = (
            f"PERFORM forest_cell_tiles_refresh({ZOOM}, touched.x, touched.y)\n"
            f"        FROM ({touched}) AS touched"
        )
    return f"""
CREATE FUNCTION forest_z12_tiles_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {statements["insert"]};
    ELSIF TG_OP = 'DELETE' THEN
        {statements["delete"]};
    ELSE
        {statements["update"]};
    END IF;
    RETURN NULL;
END
$$
"""  # noqa: S608 (constant SQL of this module; no input reaches it)


TRIGGERS = {
    "forest_z12_tiles_insert": "AFTER INSERT ON forest_parcels REFERENCING NEW TABLE AS new_rows",
    "forest_z12_tiles_delete": "AFTER DELETE ON forest_parcels REFERENCING OLD TABLE AS old_rows",
    "forest_z12_tiles_update": "AFTER UPDATE ON forest_parcels "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
}

FILL = f"""
SELECT forest_cell_tiles_refresh({ZOOM}, touched.x, touched.y)
FROM ({
    TILES_OF_CELLS.format(
        cells=f"SELECT DISTINCT i, j FROM forest_tile_cells WHERE zoom = {CELL_ZOOM}"
    )
}) AS touched
"""  # noqa: S608 (constant SQL of this module; no input reaches it)


def upgrade() -> None:
    op.execute(CELL_TILE.format(cell_zoom=f"least(z, {CELL_ZOOM})"))
    op.execute(sync_function())
    for name, when in TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER {name} {when} FOR EACH STATEMENT "
            "EXECUTE FUNCTION forest_z12_tiles_sync()"
        )
    op.execute(FILL)


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON forest_parcels")
    op.execute("DROP FUNCTION forest_z12_tiles_sync()")
    op.execute("DELETE FROM forest_cell_tiles WHERE zoom = 12")
    op.execute(CELL_TILE.format(cell_zoom="z"))
