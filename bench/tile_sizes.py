"""Print the size and SQL time of forest tiles per zoom on a benchmark database (issue 20).

Random tiles over the synthetic forest box (dense everywhere: the parcels tile the box), each
run three times through the statements the server prepares (``app.ogc.tiles.sql.tile_plan``:
the count, then the features, the stored tile of cells or the cells made now), on one
connection with no HTTP and no tile cache, so the figures are PostgreSQL's and the tile's own.
From z10 up each tile also runs as the features alone (what was served before issue 20: no
cells, no feature budget), interleaved with the tile as served now, so load on the machine
hits both alike.

Usage::

    export DATABASE_URL=postgresql+psycopg://postgres@/sitereg?host=…&port=…
    .venv/bin/python bench/tile_sizes.py --database sitereg_bench
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

import psycopg
from bench_db import check_bench_name
from interop import tile_paths
from sqlalchemy.engine import make_url

from app.ogc.catalog import CATALOG
from app.ogc.tiles.sql import (
    FULL_DETAIL_ZOOM,
    GRID_ONLY_ZOOM,
    TilePlan,
    TileQuery,
    _statement,  # noqa: PLC2701 (bench: the statement main served before issue 20)
    tile_plan,
    tile_select,
)

ZOOMS = (8, 9, 10, 11, 12, 13, 14)
TILES_PER_ZOOM = 20
RUNS = 3


def _conninfo(database: str) -> str:
    url = make_url(os.environ["DATABASE_URL"]).set(database=database, drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _features_only(z: int, x: int, y: int) -> TileQuery:
    """Return the tile as it was before issue 20: the features themselves from z10 up."""
    collection = CATALOG["forest"].public
    query = tile_select(collection, z, x, y)
    variant = f"{'detail' if z >= FULL_DETAIL_ZOOM else 'simplified'}-"
    variant += "affine" if "m_per_deg_y" in query.params else "transform"
    statement, driver = _statement(collection, variant)
    return TileQuery(statement, driver, query.params)


def _run(conn: psycopg.Connection, plan: TilePlan) -> tuple[float, float]:
    """Return the tile's size (KB) and time (ms), made as ``fetch_tile`` makes it."""
    started = time.perf_counter()
    count, tile, stored = None, b"", None
    if plan.count is not None:
        cursor = conn.execute(plan.count.driver.sql, plan.count.driver_params(), prepare=True)
        row = cursor.fetchone()
        stored = plan.stored(row)  # a dense tile's stored tile of cells comes with its count
        count = int((row or (0,))[0])
    for query in plan.chosen(count) if stored is None else ():
        found = conn.execute(query.driver.sql, query.driver_params(), prepare=True).fetchone()
        if found is not None:
            tile = bytes(found[0] or b"")
            break
    tile = stored if stored is not None else tile
    elapsed_ms = (time.perf_counter() - started) * 1000
    return len(tile) / 1000, elapsed_ms


def _zoom_figures(
    conn: psycopg.Connection, z: int, rng: random.Random
) -> dict[str, dict[str, float]]:
    """Time each tile as served now and, interleaved, as the features alone (z10 up)."""
    ways: dict[str, tuple[list[float], list[float]]] = {"now": ([], []), "features": ([], [])}
    collection = CATALOG["forest"].public
    for path in sorted(set(tile_paths(z, TILES_PER_ZOOM, rng, yx=False))):
        _, x, y = (int(part) for part in path.split("/"))
        queries = {"now": tile_plan(collection, z, x, y)}
        if z > GRID_ONLY_ZOOM:
            queries["features"] = TilePlan(_features_only(z, x, y))
        sizes_kb = {}
        for run in range(RUNS + 1):  # the first round warms the caches for both, untimed
            order = list(queries.items())
            for name, query in order if run % 2 else order[::-1]:
                sizes_kb[name], ms = _run(conn, query)
                if run:
                    ways[name][1].append(ms)
        for name, size_kb in sizes_kb.items():
            ways[name][0].append(size_kb)
    return {name: _summary(*lists) for name, lists in ways.items() if lists[0]}


def _summary(sizes_kb: list[float], times_ms: list[float]) -> dict[str, float]:
    times_ms.sort()
    return {
        "max_kb": max(sizes_kb),
        "median_kb": statistics.median(sizes_kb),
        "median_ms": statistics.median(times_ms),
        "p99_ms": times_ms[min(len(times_ms) - 1, int(len(times_ms) * 0.99))],
    }


def main() -> None:
    """Print one line per zoom: tile size (max, median) and SQL time (median, p99)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sitereg_bench")
    parser.add_argument("--zooms", default=",".join(map(str, ZOOMS)))
    args = parser.parse_args()
    check_bench_name(args.database)
    rng = random.Random(20261207)
    with psycopg.connect(_conninfo(args.database), autocommit=True) as conn:
        parcels = conn.execute("SELECT count(*) FROM forest_parcels").fetchone()
        print(f"{args.database}: {parcels[0] if parcels else 0} forest parcels")
        print("zoom  tile       max KB  median KB  median ms  p99 ms")
        for z in (int(part) for part in args.zooms.split(",")):
            for name, f in _zoom_figures(conn, z, rng).items():
                print(
                    f"z{z:<3}  {name:<9} {f['max_kb']:7.1f} {f['median_kb']:10.1f} "
                    f"{f['median_ms']:10.1f} {f['p99_ms']:7.1f}"
                )


if __name__ == "__main__":
    main()
