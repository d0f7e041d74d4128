"""Importing a forest inventory GeoPackage: ``sitereg import`` beside ``ogr2ogr`` (issue 16).

What a GIS analyst would do by hand is ``ogr2ogr -f PostgreSQL PG:… file.gpkg`` (its default
COPY mode): the rows land in a table of their own, unchecked, unmapped, without history. The
importer reads the same file, maps every row through the shipped FORMIS mapping, moves it from
VN-2000 TM-3 to WGS 84, checks validity, extent and keys in PostGIS, and writes the forest layer
with its versions and change feed, all in one transaction. Both run on the same server and
machine, alternately; the importer's peak memory is the child process's maximum resident set.

Targets (issue 16): the import within 1.5x ogr2ogr's time, and peak memory under 1 GB.

``--steps`` runs the import in this process instead and prints where its time goes: the
reading (Python: GDAL, mapping, the move to WGS 84, COPY), each SQL statement, and the commit
(the deferred stamping of the change feed).

``--floor`` asks what any import meeting the issue must spend, whatever its design: after
ogr2ogr's load it times, on ogr2ogr's own table in the same database, the cheapest set-based
form of each step the issue adds to ogr2ogr's work (the move to WGS 84, the validity check,
the geodesic area) and two ways of writing the rows and their history (one change-feed row
per parcel): into the live, indexed tables, and into new tables indexed afterwards, the
cheapest conceivable. PostgreSQL writes a transaction's rows on one backend (parallel workers
never write), and an import is one transaction, so these steps add up on one core.

Usage::

    .venv/bin/python bench/import_forest.py [--features 1000000] [--rounds 1] [--steps]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Final

import numpy as np
import psycopg
import shapely
from bench_db import conninfo, recreate_database

from app.settings import PROJECT_ROOT

DATABASE = "sitereg_bench_import"
TARGET_RATIO = 1.5
TARGET_MB = 1024
ADMIN = "bench_importer"
# A corner of Lào Cai on VN-2000 TM-3 104°45' (EPSG:9208), plots laid out on a grid.
ORIGIN_E, ORIGIN_N = 400_000.0, 2_440_000.0
STATES = [("TXB", 1), ("TXN", 1), ("RTG", 2), ("TXP", 1), ("RTK", 2), ("DT2", 3)]


def make_file(path: Path, count: int, seed: int = 7) -> None:
    """Write ``count`` FORMIS-like plots (12-vertex polygons) to a GeoPackage in EPSG:9208."""
    import geopandas as gpd
    import pyogrio

    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(count)))
    index = np.arange(count)
    cx = ORIGIN_E + (index % side) * 120.0
    cy = ORIGIN_N + (index // side) * 120.0
    angles = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    radius = 40 + 15 * rng.random((count, 12))
    xs = cx[:, None] + radius * np.cos(angles)
    ys = cy[:, None] + radius * np.sin(angles)
    rings = np.stack([xs, ys], axis=2)
    rings = np.concatenate([rings, rings[:, :1, :]], axis=1)
    polygons = shapely.polygons(rings)
    state = rng.integers(0, len(STATES), count)
    frame = gpd.GeoDataFrame(
        {
            "matinh": 10,
            "mahuyen": 80,
            "maxa": 2404 + index // 250_000,
            "xa": "Xã Mường Hum",
            "tk": 100 + (index // 1000) % 250,
            "khoanh": (index // 50) % 20,
            "lo": index % 50 + 1 + (index // 1000) * 100,
            "ldlr": [STATES[i][0] for i in state],
            "nggocr": [STATES[i][1] for i in state],
            "malr3": rng.integers(1, 4, count),
            "churung": "Ban quản lý rừng phòng hộ",
            "dtich": np.round(shapely.area(polygons) / 10_000, 2),
        },
        geometry=polygons,
        crs="EPSG:9208",
    )
    pyogrio.write_dataframe(frame, path, driver="GPKG", layer="kiemke", use_arrow=True)


def ensure_file(count: int) -> Path:
    """Return the bench file, made once per feature count."""
    folder = PROJECT_ROOT / ".data" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"forest_inventory_{count}.gpkg"
    if not path.exists():
        started = time.perf_counter()
        make_file(path, count)
        print(f"made {path.name} in {time.perf_counter() - started:.0f} s", flush=True)
    return path


def fresh_database(database: str = DATABASE) -> str:
    """Recreate the bench import database at the schema's head with an admin; return its URL."""
    url = recreate_database(database)
    prepare_database(url)
    return url


def prepare_database(url: str) -> None:
    """Migrate the database at ``url`` to the schema's head and give it the importing admin."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from app.cli import upgrade_database
    from app.models.enums import Role
    from app.services import identity

    upgrade_database(url)
    engine = create_engine(url)
    with Session(engine) as session:
        identity.create_user(session, ADMIN, password="bench " * 4, role=Role.ADMIN)
    engine.dispose()


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``command``; return its wall seconds and its peak resident memory in MB.

    The peak is the kernel's high-water mark of the program (``VmHWM``, reset at exec), read
    while it runs: the ``ru_maxrss`` of ``wait4`` also counts the pages the child shared with
    this process between fork and exec (2.6 GB once this script had made the million plots).
    """
    started = time.perf_counter()
    child = subprocess.Popen(
        command, env={**os.environ, **env}, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL
    )
    peak_kb = 0
    while child.poll() is None:
        peak_kb = max(peak_kb, _high_water_kb(child.pid))
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        sys.exit(f"{command[0]} failed ({child.returncode}): {' '.join(command)}")
    return seconds, peak_kb / 1024


def _high_water_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def run_ogr2ogr(url: str, path: Path) -> tuple[float, float]:
    """Load the file as ogr2ogr would by hand: its default COPY mode into a new table."""
    pg = "PG:" + conninfo(url)
    command = [
        "ogr2ogr",
        "-f",
        "PostgreSQL",
        pg,
        str(path),
        "-nln",
        "ogr2ogr_forest",
        "-overwrite",
        "-lco",
        "GEOMETRY_NAME=geom",
    ]
    return timed(command, {})


def run_import(url: str, path: Path, dataset: str) -> tuple[float, float]:
    """Import the file with ``sitereg import --commit`` into a new dataset."""
    sitereg = str(Path(sys.executable).with_name("sitereg"))
    command = [
        sitereg,
        "import",
        str(path),
        "--layer",
        "forest",
        "--dataset",
        dataset,
        "--as",
        ADMIN,
        "--commit",
        "--report",
        os.devnull,
    ]
    # Both URLs: the CLI writes as the migration role, which an exported
    # SITEREG_MIGRATION_DATABASE_URL would otherwise point at another database.
    env = {"DATABASE_URL": url, "SITEREG_MIGRATION_DATABASE_URL": url}
    return timed(command, {**env, "SITEREG_LOG_LEVEL": "WARNING"})


class _TimedCursor(psycopg.Cursor[Any]):
    """A cursor that notes how long each of its statements takes."""

    spent: list[tuple[float, str]] = []

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        """Run ``query`` and note how long it took."""
        started = time.perf_counter()
        try:
            return super().execute(query, params, **kwargs)
        finally:
            words = " ".join(str(query).split())
            self.spent.append((time.perf_counter() - started, words[:72]))


def run_steps(url: str, path: Path, dataset: str) -> None:
    """Import the file in this process and print the time of each phase and statement."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from app.cli_import import _context
    from app.services.importer import ImportRequest, import_on

    engine = create_engine(url)
    with Session(engine) as session:
        context = _context(session, ADMIN, None, None, "forest")
    engine.dispose()
    request = ImportRequest(
        path=path, layer="forest", dataset=dataset, context=context, commit=True
    )
    phases: dict[str, float] = {}
    started = time.perf_counter()

    def progress(phase: str, done: int, total: int | None) -> None:
        phases.setdefault(phase, time.perf_counter() - started)

    with psycopg.connect(conninfo(url), cursor_factory=_TimedCursor) as raw:
        outcome = import_on(raw, request, progress, own_transaction=False)
        before = time.perf_counter()
        raw.commit()
        _TimedCursor.spent.append((time.perf_counter() - before, "COMMIT (deferred stamping)"))
    print(f"import in all {time.perf_counter() - started:8.1f} s   {outcome.counts}")
    print(f"  reading and COPY (until checking) {phases['checking']:8.1f} s")
    for seconds, statement in _TimedCursor.spent:
        if seconds >= 0.1:
            print(f"  {seconds:8.1f} s  {statement}")


FLOOR_SETUP: Final = (
    "SET jit = off",
    "CREATE TEMP TABLE floor_rows AS SELECT fid AS id, 'F-' || fid AS code, ldlr AS state,"
    " ST_Multi(ST_Transform(geom, 4326))::geometry(MultiPolygon, 4326) AS geom"
    " FROM ogr2ogr_forest",
)
FLOOR_LAYER_COLUMNS: Final = (
    "code, category, origin, dataset, synthetic, licence, geom, geometry_source, provenance,"
    " area_ha, tile_clearance_deg"
)
FLOOR_LAYER_VALUES: Final = (
    "code, 'production', 'natural', 'BENCH-FLOOR', true, 'bench', geom, 'surveyed', 'bench', 0, 0"
)
FEED_COLUMNS: Final = "layer, feature_id, code, version, operation, actor"
FEED_VALUES: Final = "'forest_parcels', id, code, 1, 'create', 'bench'"
FLOOR_STEPS: Final = (
    (
        "move",
        "move to WGS 84 (ST_Transform of every plot)",
        "SELECT sum(ST_NPoints(ST_Transform(geom, 4326))) FROM ogr2ogr_forest",
    ),
    (
        "valid",
        "validity (ST_IsValid)",
        "SELECT count(*) FILTER (WHERE ST_IsValid(geom)) FROM floor_rows",
    ),
    ("area", "geodesic area (area_ha)", "SELECT sum(area_ha(geom)) FROM floor_rows"),
    (
        "feed",
        "history: a change-feed row per parcel, into the live feed",
        f"INSERT INTO registry_changes ({FEED_COLUMNS}) SELECT {FEED_VALUES} FROM floor_rows",  # noqa: S608
    ),
    (
        "new feed",
        "history: the same rows into a new table, its 4 indexes built after",
        "CREATE TABLE floor_feed (LIKE registry_changes INCLUDING DEFAULTS);"  # noqa: S608
        f" INSERT INTO floor_feed ({FEED_COLUMNS}) SELECT {FEED_VALUES} FROM floor_rows;"
        " CREATE UNIQUE INDEX ON floor_feed (id); CREATE INDEX ON floor_feed (data_version);"
        " CREATE INDEX ON floor_feed (layer, feature_id, version);"
        " CREATE INDEX ON floor_feed (recorded_at)",
    ),
    (
        "write",
        "write into the live layer (its 6 indexes, no trigger)",
        "SET LOCAL session_replication_role = replica;"  # noqa: S608 (constants only)
        f" INSERT INTO forest_parcels ({FLOOR_LAYER_COLUMNS})"
        f" SELECT {FLOOR_LAYER_VALUES} FROM floor_rows",
    ),
    (
        "new table",
        "write into a new table, GiST and unique key built after",
        "CREATE TABLE floor_layer (LIKE forest_parcels INCLUDING DEFAULTS);"  # noqa: S608
        f" INSERT INTO floor_layer ({FLOOR_LAYER_COLUMNS}) SELECT {FLOOR_LAYER_VALUES}"
        " FROM floor_rows;"
        " CREATE INDEX ON floor_layer USING gist (geom);"
        " CREATE UNIQUE INDEX ON floor_layer (code)",
    ),
)
"""(key, what, SQL): the cheapest set-based form of each step, timed one by one, rolled back."""


def run_floor(url: str, ogr_s: float) -> None:
    """Time each step of ``FLOOR_STEPS`` on ogr2ogr's table; print the sums beside ogr2ogr.

    The rows' load is ogr2ogr's time less its own table write (taken as the new-table write):
    what any import spends to get the rows into PostgreSQL once.
    """
    spent: dict[str, float] = {}
    with psycopg.connect(conninfo(url), autocommit=True) as connection:
        for statement in FLOOR_SETUP:
            connection.execute(statement)
        for key, what, statement in FLOOR_STEPS:
            started = time.perf_counter()
            with connection.transaction(force_rollback=True):
                connection.execute(statement)
            spent[key] = time.perf_counter() - started
            print(f"  {spent[key]:8.1f} s  {what}  ({spent[key] / ogr_s:.2f}x ogr2ogr)")
    load = ogr_s - spent["new table"]
    print(
        f"ogr2ogr -f PostgreSQL (COPY)    {ogr_s:8.1f} s   the target: {TARGET_RATIO * ogr_s:.1f} s"
    )
    print(f"the rows' load (ogr2ogr less its table write): {load:.1f} s ({load / ogr_s:.2f}x)")
    for name, keys in (
        ("today's storage", ("feed", "write")),
        ("bulk tables", ("new feed", "new table")),
    ):
        total = load + sum(spent[key] for key in keys)
        print(
            f"one backend, {name}: the load, the history and the write = {total:.1f} s "
            f"= {total / ogr_s:.2f}x ogr2ogr, before any check, measure or tile"
        )


def main() -> None:
    """Make the file, then time ogr2ogr and the importer alternately, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--steps", action="store_true", help="time each step in this process")
    parser.add_argument("--database", default=DATABASE, help="the bench database (recreated)")
    parser.add_argument("--floor", action="store_true", help="time the issue's steps set-based")
    args = parser.parse_args()
    path = ensure_file(args.features)
    if args.steps:
        run_steps(fresh_database(args.database), path, "BENCH-STEPS")
        return
    if args.floor:
        url = fresh_database(args.database)
        run_floor(url, run_ogr2ogr(url, path)[0])
        return
    load = os.getloadavg()
    rows: list[tuple[float, float, float]] = []
    for turn in range(args.rounds):
        url = fresh_database(args.database)
        ogr_s, _ = run_ogr2ogr(url, path)
        import_s, peak_mb = run_import(url, path, f"BENCH-{turn}")
        rows.append((ogr_s, import_s, peak_mb))
        print(
            f"round {turn + 1}: ogr2ogr {ogr_s:.1f} s, sitereg import {import_s:.1f} s "
            f"(peak {peak_mb:.0f} MB)",
            flush=True,
        )
    ogr_s = float(np.median([row[0] for row in rows]))
    import_s = float(np.median([row[1] for row in rows]))
    peak_mb = max(row[2] for row in rows)
    ratio = import_s / ogr_s
    print(
        f"{args.features} forest polygons, {path.stat().st_size / 1e6:.0f} MB GeoPackage, "
        f"{os.cpu_count()} CPUs, load average before {load[0]:.1f}, after "
        f"{os.getloadavg()[0]:.1f}; medians of {args.rounds} round(s)"
    )
    print(f"ogr2ogr -f PostgreSQL (COPY)    {ogr_s:8.1f} s")
    print(
        f"sitereg import --commit         {import_s:8.1f} s   {ratio:.2f}x ogr2ogr  "
        f"target <= {TARGET_RATIO}x {'PASS' if ratio <= TARGET_RATIO else 'FAIL'}"
    )
    print(
        f"sitereg import peak memory      {peak_mb:8.0f} MB  target < {TARGET_MB} MB "
        f"{'PASS' if peak_mb < TARGET_MB else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
