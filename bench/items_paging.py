"""Print the cost of an items page deep in the forest layer: offset against cursor (issue 20).

For a few depths, the page of ``limit`` features at that position is fetched through the SQL
the server prepares (``app.ogc.features.sql``), once by ``offset`` and once by the ``cursor``
of the feature before it, interleaved, on one connection with no HTTP; then the exact count
against the capped count that ``numberMatched`` now uses.

Usage::

    export DATABASE_URL=postgresql+psycopg://postgres@/sitereg?host=…&port=…
    .venv/bin/python bench/items_paging.py --database sitereg_bench
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import psycopg
from bench_db import check_bench_name
from tile_sizes import _conninfo

from app.ogc.catalog import CATALOG
from app.ogc.features import cursor, sql
from app.ogc.features.query import RawQuery, build_query

LIMIT = 1000
RUNS = 5


def _ms(conn: psycopg.Connection, statement: tuple[str, dict[str, Any]]) -> float:
    started = time.perf_counter()
    conn.execute(statement[0], statement[1], prepare=True).fetchall()
    return (time.perf_counter() - started) * 1000


def _cursor_at(conn: psycopg.Connection, depth: int) -> str:
    """Return the cursor after feature ``depth`` - 1 (as a next link would carry it)."""
    query = build_query(CATALOG["forest"].public, RawQuery(), {}, limit=1, offset=depth - 1)
    rows = conn.execute(*sql.driver_sql(query, "items")).fetchall()
    return cursor.encode(None, str(rows[0][1]), depth)


def main() -> None:
    """Print median ms per depth for offset and cursor pages, and for the two counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sitereg_bench")
    args = parser.parse_args()
    check_bench_name(args.database)
    forest = CATALOG["forest"].public
    with psycopg.connect(_conninfo(args.database), autocommit=True) as conn:
        print(f"{args.database}: items pages of {LIMIT}, median of {RUNS} (ms)")
        print("depth      offset  cursor")
        for depth in (1000, 10_000, 100_000, 190_000):
            by_offset = build_query(forest, RawQuery(), {}, limit=LIMIT, offset=depth)
            text = _cursor_at(conn, depth)
            by_cursor = build_query(forest, RawQuery(), {}, limit=LIMIT, cursor=text)
            times: dict[str, list[float]] = {"offset": [], "cursor": []}
            for _ in range(RUNS):
                times["offset"].append(_ms(conn, sql.driver_sql(by_offset, "items")))
                times["cursor"].append(_ms(conn, sql.driver_sql(by_cursor, "items")))
            medians = {name: statistics.median(values) for name, values in times.items()}
            print(f"{depth:<9} {medians['offset']:7.1f} {medians['cursor']:7.1f}")
        whole = build_query(forest, RawQuery(), {}, limit=LIMIT)
        count_sql = "SELECT count(*) FROM forest_parcels"
        exact_ms = statistics.median(_ms(conn, (count_sql, {})) for _ in range(RUNS))
        capped_ms = statistics.median(
            _ms(conn, sql.driver_sql(whole, "count")) for _ in range(RUNS)
        )
        print(f"count: exact {exact_ms:.1f} ms, capped at {sql.COUNT_CAP} {capped_ms:.1f} ms")


if __name__ == "__main__":
    main()
