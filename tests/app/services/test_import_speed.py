"""What the faster bulk writes of migration 0034 must keep: the same measures, cells and feed.

The importer gives ``area_ha`` and ``tile_clearance_deg`` in its ``INSERT`` (the row trigger
then stands aside), the tile cells are counted at zoom 11 and rolled up, and the import takes
its data version before it writes. Each must give what the row-by-row path gave.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.services.change_context import ChangeContext
from app.services.importer import ImportOutcome, ImportRequest, run_import
from tests.app.services.test_importer import _lot, inventory_zip

CONTEXT = ChangeContext(actor="import-speed-test")
# Migration 0030's count of every forest parcel, zoom by zoom, straight from the geometries.
CELLS_FROM_SCRATCH = """
SELECT zoom::smallint, floor(ST_XMin(geom) / (360.0 / 2 ^ (zoom + 6)))::integer,
       floor(ST_YMin(geom) / (360.0 / 2 ^ (zoom + 6)))::integer, category, count(*)::integer
FROM forest_parcels CROSS JOIN generate_series(0, 11) AS zoom
WHERE ST_XMax(geom) - ST_XMin(geom) >= 360.0 / 2 ^ 20
   OR ST_YMax(geom) - ST_YMin(geom) >= 360.0 / 2 ^ 20
GROUP BY 1, 2, 3, 4
"""


@pytest.fixture
def dataset(engine: Engine, request: pytest.FixtureRequest) -> Iterator[str]:
    """A dataset name of this test; afterwards its rows go."""
    name = f"TEST-SPEED-{request.node.name[:40]}"
    yield name
    with engine.begin() as connection:
        connection.execute(
            sa.text("DELETE FROM forest_parcels WHERE dataset = :dataset"), {"dataset": name}
        )


def _import(engine: Engine, path: Path, dataset: str) -> ImportOutcome:
    request = ImportRequest(
        path=path, layer="forest", dataset=dataset, context=CONTEXT, commit=True
    )
    return run_import(engine, request, lambda *_: None)


def _scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as connection:
        return connection.execute(sa.text(sql), params).scalar_one()


def test_imported_measures_equal_the_stored_functions(engine: Engine, dataset: str, tmp_path: Path):
    first = inventory_zip(tmp_path / "a.zip", [_lot(1), _lot(2), _lot(3, malr3=3)])
    assert _import(engine, first, dataset).counts == {"created": 3}
    moved = inventory_zip(tmp_path / "b.zip", [_lot(1), _lot(2, malr3=2)], origin=(436500, 2469300))
    assert _import(engine, moved, dataset).counts == {"updated": 2, "removed": 1}
    differing = _scalar(
        engine,
        "SELECT count(*) FROM forest_parcels WHERE dataset = :d AND (area_ha <> area_ha(geom) "
        "OR tile_clearance_deg <> tile_clearance_deg(geom) OR area_ha <= 0)",
        d=dataset,
    )
    assert differing == 0


def test_tile_cells_after_imports_equal_a_count_from_scratch(
    engine: Engine, dataset: str, tmp_path: Path
):
    rows = [_lot(lo, malr3=lo % 3 + 1) for lo in range(1, 30)]
    assert _import(engine, inventory_zip(tmp_path / "a.zip", rows), dataset).counts == {
        "created": 29
    }
    changed = [_lot(lo, malr3=1) for lo in range(10, 40)]
    moved = inventory_zip(tmp_path / "b.zip", changed, origin=(436900, 2469700))
    assert _import(engine, moved, dataset).counts["removed"] == 9
    with engine.connect() as connection:
        stored = connection.execute(
            sa.text("SELECT zoom, i, j, category, features FROM forest_tile_cells")
        ).all()
        counted = connection.execute(sa.text(CELLS_FROM_SCRATCH)).all()
    assert sorted(map(tuple, stored)) == sorted(map(tuple, counted))


def test_an_import_s_feed_rows_carry_the_data_version_it_took(
    engine: Engine, dataset: str, tmp_path: Path
):
    before = _scalar(engine, "SELECT data_version FROM registry_state")
    path = inventory_zip(tmp_path / "a.zip", [_lot(1), _lot(2), _lot(3)])
    assert _import(engine, path, dataset).counts == {"created": 3}
    with engine.connect() as connection:
        versions = connection.execute(
            sa.text(
                "SELECT DISTINCT c.data_version FROM registry_changes c "
                "JOIN forest_parcels f ON f.id = c.feature_id AND c.layer = 'forest_parcels' "
                "WHERE f.dataset = :d"
            ),
            {"d": dataset},
        ).all()
        after = connection.execute(sa.text("SELECT data_version FROM registry_state")).scalar()
    assert versions == [(before + 1,)]
    assert after == before + 1


def test_a_write_without_a_taken_version_is_stamped_at_commit_and_measured(
    engine: Engine, dataset: str
):
    before = _scalar(engine, "SELECT data_version FROM registry_state")
    with engine.begin() as connection:
        connection.execute(sa.text("SELECT set_config('sitereg.actor', 'speed-test', true)"))
        connection.execute(
            sa.text(
                "INSERT INTO forest_parcels (code, category, origin, dataset, synthetic, licence, "
                "geom, geometry_source, provenance) VALUES ('SPEED-1', 'protection', 'natural', "
                ":d, true, 'test', ST_Multi(ST_MakeEnvelope(104.1, 22.3, 104.101, 22.301, 4326)), "
                "'digitized', 'test')"
            ),
            {"d": dataset},
        )
    with engine.connect() as connection:
        stamped, measured = connection.execute(
            sa.text(
                "SELECT c.data_version, f.area_ha = area_ha(f.geom) "
                "AND f.tile_clearance_deg = tile_clearance_deg(f.geom) "
                "FROM forest_parcels f JOIN registry_changes c ON c.layer = 'forest_parcels' "
                "AND c.feature_id = f.id WHERE f.code = 'SPEED-1'"
            )
        ).one()
    assert (stamped, measured) == (before + 1, True)
