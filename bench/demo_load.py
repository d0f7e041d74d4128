"""Time ``sitereg load-demo`` on a fresh database: the first load, an unchanged run, a forced one.

``make run`` calls ``sitereg load-demo``; this times the same service (``load_demo``) in a
benchmark database of its own, migrated to head, and drops it afterwards. The ``app`` measured is
the one on ``PYTHONPATH``, so two checkouts can be compared side by side::

    PYTHONPATH=$PWD .venv/bin/python bench/demo_load.py --repeat 3

The server is ``DATABASE_URL``'s when it is set (the cluster of the tests), else the embedded
cluster's.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.cli import upgrade_database
from app.db.engine import make_engine
from app.services.demo_loader import load_demo
from app.settings import Settings
from devcluster.cluster import create_database, drop_database

DATABASE = f"sitereg_bench_demo_load_{os.getpid()}"


def _admin_url() -> str:
    url = Settings().database_url
    if url:
        return make_url(url).set(database="postgres").render_as_string(hide_password=False)
    from bench_db import admin_url

    return admin_url()


def _once(admin: str, data_dir: Path) -> tuple[float, float, float]:
    """Return the seconds of a first load, an unchanged run and a forced reload."""
    create_database(admin, DATABASE)
    url = make_url(admin).set(database=DATABASE).render_as_string(hide_password=False)
    try:
        upgrade_database(url)
        engine = make_engine(url)
        laps = []
        try:
            for force in (False, False, True):
                started = time.perf_counter()
                with Session(engine) as session:
                    load_demo(session, data_dir, force=force)
                laps.append(time.perf_counter() - started)
        finally:
            engine.dispose()
    finally:
        drop_database(admin, DATABASE)
    return laps[0], laps[1], laps[2]


def main() -> None:
    """Print the load's times, one line per repeat."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    import app

    root = Path(app.__file__).resolve().parent.parent
    admin = _admin_url()
    for _ in range(args.repeat):
        first, unchanged, forced = _once(admin, root / "data" / "geojson")
        load = os.getloadavg()[0]
        print(  # noqa: T201 (a bench prints its figures)
            f"{root}: first load {first:.2f} s, unchanged run {unchanged:.2f} s, "
            f"forced reload {forced:.2f} s (load average {load:.2f})"
        )


if __name__ == "__main__":
    main()
