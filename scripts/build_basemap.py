"""Build static/map/basemap.geojson, the offline base map's background, from npm packages.

Run by hand when the region or a source changes (``python scripts/build_basemap.py``): it packs
two data packages from the npm registry into a temporary folder, clips them to the region
around Lào Cai and Lai Châu and writes a small GeoJSON (tens of KB) that ships in the repo.

- ``world-atlas`` 2.0.2: Natural Earth 1:10m countries (public domain): land of Vietnam and of
  its neighbours, and the international border between them.
- ``@geo-maps/earth-rivers-500m`` 0.6.0: the larger rivers of OpenStreetMap at 500 m
  resolution (ODbL 1.0, © OpenStreetMap contributors), without names.
"""

from __future__ import annotations

import json
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import pyogrio
from shapely import box, make_valid, set_precision, union_all
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "static" / "map" / "basemap.geojson"
PACKAGES = ("world-atlas@2.0.2", "@geo-maps/earth-rivers-500m@0.6.0")
REGION = box(100.8, 20.2, 106.8, 24.0)  # (west, south, east, north): the provinces and a margin
SIMPLIFY_DEG = 0.001  # about 100 m: finer than the base map is ever read at
GRID_DEG = 0.00001
CLOSE_DEG = 0.015
COUNTRIES = {"Vietnam": "vietnam", "China": "china", "Laos": "laos"}


def _unpack(folder: Path) -> dict[str, Path]:
    """Pack the data packages from the npm registry into ``folder`` and unpack each."""
    names = subprocess.run(
        ["npm", "pack", "--silent", *PACKAGES],
        cwd=folder,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    unpacked = {}
    for name in names:
        target = folder / name.removesuffix(".tgz")
        with tarfile.open(folder / name) as archive:
            archive.extractall(target, filter="data")
        unpacked[name] = target / "package"
    return unpacked


def _clean(geom: BaseGeometry) -> BaseGeometry:
    return set_precision(geom.intersection(REGION).simplify(SIMPLIFY_DEG), GRID_DEG)


def _feature(layer: str, geom: BaseGeometry, **properties: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"layer": layer, **properties},
        "geometry": mapping(geom),
    }


def _countries(atlas: Path) -> list[dict[str, Any]]:
    frame = pyogrio.read_dataframe(atlas / "countries-10m.json", layer="countries")
    shapes = {
        COUNTRIES[row.name]: _clean(row.geometry)
        for row in frame.itertuples()
        if row.name in COUNTRIES
    }
    vietnam = shapes["vietnam"]
    neighbours = union_all([g for key, g in shapes.items() if key != "vietnam"])
    border = _clean(
        vietnam.boundary.intersection(neighbours.buffer(GRID_DEG * 5).boundary.buffer(0.002))
    )
    return [
        *(_feature("land", geom, country=key) for key, geom in shapes.items()),
        _feature("border", border),
    ]


def _rivers(package: Path) -> list[dict[str, Any]]:
    data = json.loads((package / "map.geo.json").read_text(encoding="utf-8"))
    geometries = (
        data["geometries"] if "geometries" in data else [f["geometry"] for f in data["features"]]
    )
    parts = [part for g in geometries for part in getattr(shape(g), "geoms", [shape(g)])]
    near = [make_valid(part) for part in parts if part.envelope.intersects(REGION)]
    rivers = union_all([part.intersection(REGION) for part in near])
    # At 500 m resolution a river 100-300 m wide survives as a chain of slivers: closing the
    # gaps (grow 1.5 km, shrink 1.4 km) joins most of the chain into a ribbon.
    ribbon = rivers.buffer(CLOSE_DEG, quad_segs=2).buffer(-CLOSE_DEG * 0.93, quad_segs=2)
    return [_feature("river", _clean(ribbon))]


def main() -> None:
    """Write the clipped base-map layers to static/map/basemap.geojson."""
    with tempfile.TemporaryDirectory() as folder:
        unpacked = list(_unpack(Path(folder)).values())
        atlas = next(p for p in unpacked if (p / "countries-10m.json").exists())
        rivers = next(p for p in unpacked if (p / "map.geo.json").exists())
        features = [*_countries(atlas), *_rivers(rivers)]
    collection = {
        "type": "FeatureCollection",
        "attribution": "Natural Earth (public domain); rivers © OpenStreetMap contributors (ODbL)",
        "features": features,
    }
    OUT.write_text(
        json.dumps(collection, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    print(f"{OUT.relative_to(ROOT)}: {len(features)} features, {OUT.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
