"""Build the demo layers in ``data/geojson/`` from ``shared/data`` (deterministic, no database).

Run from the repository root::

    .venv/bin/python scripts/build_demo_data.py --shared ../shared/data --out data/geojson

What it writes (see ``data/geojson/README.md`` for sources and licences):

* ``sites.geojson`` — the 58 published KCN/CCN outlines, indicative outlines for named sites that
  have no published boundary (incl. the two Lai Châu mines) and indicative relocation areas;
* ``clearance_parcels.geojson`` — SYNTHETIC land-clearance parcels subdividing selected sites;
* ``infrastructure.geojson`` — the roads and KCN infrastructure items of the 2026 plan;
* ``plan_targets.json`` — the 2026 targets of Kế hoạch 134/KH-UBND (not GeoJSON);
* reference layers (admin units, commune points, protected areas) and
  ``forest_synthetic.geojson`` (SYNTHETIC, from :func:`spatial.synthetic.generate_forest`).

Every number is computed from unrounded geometry; coordinates are rounded to 7 decimals only when
written. The script ends with a report (counts, sizes, indicative areas, validity checks) and exits
with status 1 if any check fails.

This script is wiring: it parses the arguments, reads the inputs, calls the builders and writes
the files. The curated facts (decisions, statuses, agencies, mining licences, relocations, each
row with its source) are reviewed CSV files in ``data/curated/``, read by
``scripts/demo_facts.py``, which keeps the rest (where indicative outlines go); the seeded
geometry generators live in :mod:`spatial.synthetic`; the features are assembled in
``scripts/demo_sites.py`` and ``scripts/demo_layers.py``, read and written by
``scripts/demo_geojson.py`` and checked by ``scripts/demo_checks.py``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from demo_checks import report
from demo_geojson import Feature, feature, read_inputs, write_collection, write_json
from demo_layers import (
    build_clearance,
    build_forest,
    build_infrastructure,
    build_reference_layers,
    land_mask,
    plan_targets,
)
from demo_sites import build_sites

FOREST_SEED: Final = 20261125
CLEARANCE_SEED: Final = 20261126


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line: the shared/data folder and the output folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, required=True, help="the shared/data folder")
    parser.add_argument("--out", type=Path, required=True, help="output folder (data/geojson)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Build every demo layer, write it and print the report; return the exit status."""
    args = parse_args(argv)
    shared: Path = args.shared
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    inputs = read_inputs(shared)
    sites = build_sites(inputs)
    sites_by_code = {props["code"]: (geom, props) for geom, props in sites}
    layers: dict[str, list[Feature]] = {
        "sites.geojson": [feature(geom, props) for geom, props in sites],
        "clearance_parcels.geojson": build_clearance(sites_by_code, CLEARANCE_SEED),
        "infrastructure.geojson": build_infrastructure(sites_by_code),
        **build_reference_layers(inputs.by_source_name()),
        "forest_synthetic.geojson": build_forest(
            sites, land_mask(inputs.provinces_2025), FOREST_SEED
        ),
    }
    targets = plan_targets()
    for name, features in layers.items():
        write_collection(out / name, features)
    write_json(out / "plan_targets.json", targets)
    written_sites = {item["properties"]["code"]: item for item in layers["sites.geojson"]}
    return 1 if report(out, layers, written_sites, targets) else 0


if __name__ == "__main__":
    raise SystemExit(main())
