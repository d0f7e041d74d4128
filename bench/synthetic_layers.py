"""Generate and load a SYNTHETIC forest layer and synthetic sites into a benchmark database.

The forest layer is a seeded, irregular tiling of lon 102.2–104.9, lat 21.3–22.9: a grid whose
column widths and row heights vary, whose corners are jittered and whose edges carry four
perturbed vertices each. Every edge is computed once and shared by the two parcels beside it, so
the parcels tile the box with no gap and no overlap (~20 vertices each; a few neighbouring pairs
are merged so the count is exact). Categories follow a smooth random field, so they form regions.

The 120 sites are irregular star-shaped outlines of 20–1 000 ha inside Lào Cai and Lai Châu.
The real administrative units and protected areas of ``data/geojson`` are loaded too, so the
proposal check meets the same reference layers as in production.

Everything goes into a separate database (``sitereg_bench`` by default) on the embedded cluster:
created, migrated with Alembic, bulk-loaded with COPY (geometry as hex EWKB), then ANALYZEd.
Nothing here is real forest land.

Usage::

    .venv/bin/python bench/synthetic_layers.py --parcels 200000
    .venv/bin/python bench/synthetic_layers.py --parcels 1000000   # database sitereg_bench_1m
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import numpy as np
import psycopg
import shapely
from bench_db import (
    admin_url,
    conninfo,
    default_database,
    ensure_cluster_running,
    recreate_database,
)

BBOX: Final = (102.2, 21.3, 104.9, 22.9)
"""West, south, east, north (EPSG:4326) of the forest tiling."""

DEFAULT_SEED: Final = 20261125
EDGE_VERTICES: Final = 4
"""Perturbed vertices inside every cell edge: 4 corners + 4 × 4 = 20 vertices per parcel."""

CORNER_JITTER: Final = 0.15
"""Corner jitter as a fraction of the smaller neighbouring cell size (keeps cells simple)."""

EDGE_WIGGLE: Final = 0.07
"""Largest perpendicular offset of an edge vertex, as a fraction of the local cell size."""

CATEGORY_SHARES: Final = (("special_use", 0.15), ("protection", 0.30), ("production", 0.55))
NATURAL_SHARE: Final = {"special_use": 0.9, "protection": 0.6, "production": 0.2}
LICENCE: Final = "CC0 (synthetic)"
CHUNK_ROWS: Final = 24
"""Grid rows generated and sent per COPY chunk (the server parses one while we build the next)."""


@dataclass(frozen=True)
class Grid:
    """Shared corners and edge vertices of the tiling, in degrees (EPSG:4326).

    Corners are ``(ny + 1, nx + 1)``; horizontal edge vertices ``(ny + 1, nx, K)``; vertical edge
    vertices ``(ny, nx + 1, K)``, K = :data:`EDGE_VERTICES`.
    """

    corner_x: np.ndarray
    corner_y: np.ndarray
    hedge_x: np.ndarray
    hedge_y: np.ndarray
    vedge_x: np.ndarray
    vedge_y: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """Return (rows, columns) of cells."""
        rows, cols = self.corner_x.shape
        return rows - 1, cols - 1


@dataclass(frozen=True)
class ForestPlan:
    """What to generate: the grid, the merged cell pairs and each parcel's attributes."""

    grid: Grid
    merged: np.ndarray
    """Boolean ``(ny, nx)``: cell (j, i) absorbs its right neighbour (j, i + 1)."""
    category: np.ndarray
    origin: np.ndarray
    parcels: int


def dataset_label(parcels: int) -> str:
    """Return ``200k`` / ``1m`` style labels for dataset and database names."""
    if parcels % 1_000_000 == 0:
        return f"{parcels // 1_000_000}m"
    if parcels % 1_000 == 0:
        return f"{parcels // 1_000}k"
    return str(parcels)


def dataset_name(parcels: int) -> str:
    """Return the forest dataset name, e.g. ``synthetic-bench-200k``."""
    return f"synthetic-bench-{dataset_label(parcels)}"


def _grid_dims(parcels: int) -> tuple[int, int]:
    """Return (rows, columns) with roughly square cells on the ground and rows·cols ≥ parcels."""
    west, south, east, north = BBOX
    aspect = (east - west) * math.cos(math.radians((south + north) / 2)) / (north - south)
    rows = max(1, round(math.sqrt(parcels / aspect)))
    cols = max(2, math.ceil(parcels / rows))
    return rows, cols


def _lines(rng: np.random.Generator, start: float, stop: float, count: int) -> np.ndarray:
    """Return ``count + 1`` increasing grid lines from start to stop with uneven spacing."""
    steps = rng.uniform(0.75, 1.25, count)
    return start + (stop - start) * np.concatenate(([0.0], np.cumsum(steps))) / steps.sum()


def _local_size(lines: np.ndarray) -> np.ndarray:
    """Return, for every grid line, the smaller of the two cells beside it."""
    sizes = np.diff(lines)
    return np.minimum(np.concatenate((sizes[:1], sizes)), np.concatenate((sizes, sizes[-1:])))


def _edge_vertices(
    rng: np.random.Generator, start: np.ndarray, stop: np.ndarray, wiggle: np.ndarray
) -> np.ndarray:
    """Return K points per edge between start and stop, offset by ``wiggle`` · sin(πt) · U(-1, 1).

    ``start``/``stop`` hold one coordinate of the edge ends; the offset applies only to the
    perpendicular coordinate (callers pass zero ``wiggle`` for the coordinate along the edge).
    """
    t = np.arange(1, EDGE_VERTICES + 1) / (EDGE_VERTICES + 1)
    base = start[..., None] + t * (stop - start)[..., None]
    noise = rng.uniform(-1.0, 1.0, base.shape) * np.sin(np.pi * t)
    return base + wiggle[..., None] * noise


def build_grid(rng: np.random.Generator, rows: int, cols: int) -> Grid:
    """Return the shared corners and edge vertices of a rows × cols tiling of :data:`BBOX`."""
    west, south, east, north = BBOX
    xs, ys = _lines(rng, west, east, cols), _lines(rng, south, north, rows)
    size_x, size_y = _local_size(xs), _local_size(ys)
    jitter_x = CORNER_JITTER * size_x[None, :] * rng.uniform(-1, 1, (rows + 1, cols + 1))
    jitter_y = CORNER_JITTER * size_y[:, None] * rng.uniform(-1, 1, (rows + 1, cols + 1))
    jitter_x[:, [0, -1]] = 0.0  # the outer frame stays straight: the box is tiled exactly
    jitter_y[[0, -1], :] = 0.0
    corner_x = xs[None, :] + jitter_x
    corner_y = ys[:, None] + jitter_y
    wiggle_h = EDGE_WIGGLE * np.broadcast_to(size_y[:, None], (rows + 1, cols)).copy()
    wiggle_h[[0, -1], :] = 0.0
    wiggle_v = EDGE_WIGGLE * np.broadcast_to(size_x[None, :], (rows, cols + 1)).copy()
    wiggle_v[:, [0, -1]] = 0.0
    zero_h, zero_v = np.zeros((rows + 1, cols)), np.zeros((rows, cols + 1))
    return Grid(
        corner_x=corner_x,
        corner_y=corner_y,
        hedge_x=_edge_vertices(rng, corner_x[:, :-1], corner_x[:, 1:], zero_h),
        hedge_y=_edge_vertices(rng, corner_y[:, :-1], corner_y[:, 1:], wiggle_h),
        vedge_x=_edge_vertices(rng, corner_x[:-1, :], corner_x[1:, :], wiggle_v),
        vedge_y=_edge_vertices(rng, corner_y[:-1, :], corner_y[1:, :], zero_v),
    )


def _smooth_field(rng: np.random.Generator, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Return a smooth random field (sum of plane waves, wavelengths 12–80 km) at lon/lat."""
    x_km = (lon - BBOX[0]) * 111.32 * math.cos(math.radians(22.1))
    y_km = (lat - BBOX[1]) * 110.57
    field = np.zeros_like(x_km)
    for _ in range(8):
        wavelength_km = rng.uniform(12.0, 80.0)
        angle, phase = rng.uniform(0.0, 2.0 * math.pi, 2)
        along = x_km * math.cos(angle) + y_km * math.sin(angle)
        field += np.sin(2.0 * math.pi * along / wavelength_km + phase)
    return field


def plan_forest(parcels: int, seed: int) -> ForestPlan:
    """Return the seeded plan of a forest layer of exactly ``parcels`` parcels."""
    rng = np.random.default_rng(seed)
    rows, cols = _grid_dims(parcels)
    grid = build_grid(rng, rows, cols)
    merged = np.zeros((rows, cols), dtype=bool)
    excess = rows * cols - parcels
    if excess:
        pairs = rng.choice(rows * (cols // 2), size=excess, replace=False)
        merged[pairs // (cols // 2), 2 * (pairs % (cols // 2))] = True
    centre_x = (grid.corner_x[:-1, :-1] + grid.corner_x[1:, 1:]) / 2
    centre_y = (grid.corner_y[:-1, :-1] + grid.corner_y[1:, 1:]) / 2
    field = _smooth_field(rng, centre_x, centre_y).ravel()
    cuts = np.quantile(field, np.cumsum([share for _, share in CATEGORY_SHARES])[:-1])
    category = np.digitize(field, cuts).reshape(rows, cols)
    natural = np.array([NATURAL_SHARE[name] for name, _ in CATEGORY_SHARES])
    origin = (rng.random((rows, cols)) < natural[category]).astype(np.int8)
    return ForestPlan(grid, merged, category, origin, parcels)


def _cell_rings(grid: Grid, j0: int, j1: int, coord: str) -> np.ndarray:
    """Return one coordinate of every cell ring in rows j0..j1: ``(rows, cols, 4K + 5)``, CCW."""
    corner = getattr(grid, f"corner_{coord}")
    hedge, vedge = getattr(grid, f"hedge_{coord}"), getattr(grid, f"vedge_{coord}")
    band = slice(j0, j1)
    above = slice(j0 + 1, j1 + 1)
    return np.concatenate(
        (
            corner[band, :-1, None],
            hedge[band],  # bottom edge, west → east
            corner[band, 1:, None],
            vedge[band, 1:],  # east edge, south → north
            corner[above, 1:, None],
            hedge[above, :, ::-1],  # top edge, east → west
            corner[above, :-1, None],
            vedge[band, :-1, ::-1],  # west edge, north → south
            corner[band, :-1, None],
        ),
        axis=-1,
    )


def _pair_ring(grid: Grid, j: int, i: int) -> np.ndarray:
    """Return the CCW ring (n, 2) of cells (j, i) and (j, i + 1) merged into one parcel."""
    parts = []
    for coord in ("x", "y"):
        corner = getattr(grid, f"corner_{coord}")
        hedge, vedge = getattr(grid, f"hedge_{coord}"), getattr(grid, f"vedge_{coord}")
        parts.append(
            np.concatenate(
                (
                    [corner[j, i]],
                    hedge[j, i],
                    [corner[j, i + 1]],
                    hedge[j, i + 1],
                    [corner[j, i + 2]],
                    vedge[j, i + 2],
                    [corner[j + 1, i + 2]],
                    hedge[j + 1, i + 1, ::-1],
                    [corner[j + 1, i + 1]],
                    hedge[j + 1, i, ::-1],
                    [corner[j + 1, i]],
                    vedge[j, i, ::-1],
                    [corner[j, i]],
                )
            )
        )
    return np.column_stack(parts)


def band_polygons(plan: ForestPlan, j0: int, j1: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the parcels of grid rows j0..j1 as (MultiPolygon array, flat cell index array)."""
    grid = plan.grid
    rows_in_band, cols = j1 - j0, grid.shape[1]
    coords = np.stack(
        (_cell_rings(grid, j0, j1, "x"), _cell_rings(grid, j0, j1, "y")), axis=-1
    ).reshape(rows_in_band * cols, -1, 2)
    polygons = shapely.polygons(coords)
    merged = plan.merged[j0:j1].ravel()
    for flat in np.flatnonzero(merged):
        polygons[flat] = shapely.polygons(_pair_ring(grid, j0 + flat // cols, flat % cols))
    absorbed = np.roll(merged, 1)  # the right-hand cell of every merged pair is dropped
    keep = ~absorbed
    cells = np.arange(j0 * cols, j1 * cols)[keep]
    multis = shapely.multipolygons(polygons[keep][:, None])
    return shapely.set_srid(multis, 4326), cells


@dataclass(frozen=True)
class LoadTimes:
    """Seconds spent generating (Python), copying, indexing and analysing."""

    generate_s: float
    copy_s: float
    index_s: float
    analyze_s: float
    invalid: int


def forest_copy_lines(plan: ForestPlan, seed: int) -> Iterator[tuple[str, int]]:
    """Yield COPY text chunks of forest rows and the number of invalid polygons in each."""
    names = [name for name, _ in CATEGORY_SHARES]
    origins = ("planted", "natural")
    dataset = dataset_name(plan.parcels)
    provenance = (
        f"SYNTHETIC benchmark layer generated by bench/synthetic_layers.py (seed {seed}, "
        f"{plan.parcels} parcels); not real forest land"
    )
    tail = f"\t{dataset}\tt\t{LICENCE}\t"
    rows, _cols = plan.grid.shape
    number = 0
    for j0 in range(0, rows, CHUNK_ROWS):
        j1 = min(rows, j0 + CHUNK_ROWS)
        geoms, cells = band_polygons(plan, j0, j1)
        invalid = int((~shapely.is_valid(geoms)).sum())
        wkb = shapely.to_wkb(geoms, hex=True, include_srid=True)
        cats, oris = plan.category.ravel()[cells], plan.origin.ravel()[cells]
        lines = []
        for hex_wkb, cat, ori in zip(wkb, cats, oris, strict=True):
            number += 1
            lines.append(
                f"SYN-BENCH-{number:07d}\t{names[cat]}\t{origins[ori]}{tail}{hex_wkb}"
                f"\tindicative\t{provenance}\n"
            )
        yield "".join(lines), invalid


FOREST_COLUMNS: Final = (
    "code, category, origin, dataset, synthetic, licence, geom, geometry_source, provenance"
)


def _forest_index_defs(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """Return (name, CREATE INDEX statement) of forest_parcels' non-constraint indexes."""
    rows = conn.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes AS i "
        "WHERE i.tablename = 'forest_parcels' AND i.indexname LIKE 'ix\\_%'"
    ).fetchall()
    return [(str(name), str(definition)) for name, definition in rows]


def load_forest(conn: psycopg.Connection, plan: ForestPlan, seed: int) -> LoadTimes:
    """COPY the forest layer with its secondary indexes dropped, then rebuild and analyse them."""
    indexes = _forest_index_defs(conn)
    for name, _definition in indexes:
        conn.execute(psycopg.sql.SQL("DROP INDEX {}").format(psycopg.sql.Identifier(name)))
    generate_s, invalid, started = 0.0, 0, time.perf_counter()
    with conn.cursor().copy(f"COPY forest_parcels ({FOREST_COLUMNS}) FROM STDIN") as copy:
        chunks = forest_copy_lines(plan, seed)
        while True:
            tick = time.perf_counter()
            chunk = next(chunks, None)
            generate_s += time.perf_counter() - tick
            if chunk is None:
                break
            copy.write(chunk[0])
            invalid += chunk[1]
    copy_s = time.perf_counter() - started - generate_s
    tick = time.perf_counter()
    conn.execute("SET maintenance_work_mem = '1GB'")
    for _name, definition in indexes:
        conn.execute(definition)  # definitions come from pg_indexes of our own migration
    conn.commit()
    index_s = time.perf_counter() - tick
    return LoadTimes(generate_s, copy_s, index_s, 0.0, invalid)


def analyze(url: str) -> float:
    """VACUUM (ANALYZE) the benchmark tables (sets hint bits and the visibility map)."""
    tick = time.perf_counter()
    with psycopg.connect(conninfo(url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) forest_parcels, sites, admin_units, protected_areas")
    return time.perf_counter() - tick


def build_database(database: str, parcels: int, seed: int) -> LoadTimes:
    """Create, migrate and fill ``database``; return the timings of each step."""
    from bench_sites import load_reference_layers, load_sites

    from app.cli import upgrade_database

    url = recreate_database(database)
    upgrade_database(url)
    load_reference_layers(url)
    plan_start = time.perf_counter()
    plan = plan_forest(parcels, seed)
    plan_s = time.perf_counter() - plan_start
    with psycopg.connect(conninfo(url)) as conn:
        load_sites(conn, seed)
        times = load_forest(conn, plan, seed)
    return LoadTimes(
        times.generate_s + plan_s, times.copy_s, times.index_s, analyze(url), times.invalid
    )


def main() -> None:
    """Parse arguments, build the benchmark database and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=200_000, help="forest parcels to make")
    parser.add_argument("--database", help="target database (default sitereg_bench[_1m])")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    database = args.database or default_database(args.parcels)
    ensure_cluster_running()
    started = time.perf_counter()
    times = build_database(database, args.parcels, args.seed)
    total_s = time.perf_counter() - started
    print(f"database {database} on {admin_url().rsplit('/', 1)[0]}")
    print(
        f"forest parcels: {args.parcels} ({dataset_name(args.parcels)}), sites: 120, "
        f"invalid polygons: {times.invalid}"
    )
    print(f"generate {times.generate_s:6.1f} s  (numpy + shapely, overlapped with COPY)")
    print(f"copy     {times.copy_s:6.1f} s  (COPY text, hex EWKB, area_ha computed by the server)")
    print(f"index    {times.index_s:6.1f} s  (GiST + btree rebuilt after the load)")
    print(f"analyze  {times.analyze_s:6.1f} s  (VACUUM ANALYZE)")
    print(f"total    {total_s:6.1f} s  (including create database + Alembic + reference layers)")


if __name__ == "__main__":
    main()
