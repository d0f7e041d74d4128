"""What-if server for ``bench/run.py --what-if``: forest datasets read from a summary table.

Every request of both endpoints runs ``forest_layer.sql``, a full scan of ``forest_parcels``
(count and sum per dataset). This module serves the unchanged app with only that function
replaced by a read of ``bench_forest_datasets``, a summary table the bench creates in the
benchmark database, to measure what a maintained summary table (see bench/README.md) would
give. It is never used outside the bench.
"""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Connection, text

import app.main
from spatial.analysis import forest_overlap

SUMMARY_DDL = (
    "CREATE TABLE IF NOT EXISTS bench_forest_datasets AS "
    "SELECT dataset, bool_or(synthetic) AS synthetic, count(*) AS parcels, "
    "sum(area_ha) AS area_ha FROM forest_parcels GROUP BY dataset"
)
SUMMARY_QUERY = text(
    "SELECT dataset, synthetic, parcels, area_ha FROM bench_forest_datasets ORDER BY dataset"
)


def datasets_from_summary(conn: Connection) -> list[forest_overlap.ForestDataset]:
    """Return the forest datasets from the summary table (same columns as forest_layer.sql)."""
    return [forest_overlap.ForestDataset(*row) for row in conn.execute(SUMMARY_QUERY)]


def factory() -> FastAPI:
    """Build the app as ``app.main:factory`` does, with the dataset summary swapped in."""
    forest_overlap.datasets = datasets_from_summary
    return app.main.factory()
